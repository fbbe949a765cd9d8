import { SidecarClosedError, type SidecarStartError } from '../errors/sidecar-errors';
import { createDeferred } from '../internal/deferred';
import { assertTransition, type SidecarState } from './sidecar-state';

const NOT_READY_MESSAGES: Readonly<Record<SidecarState, string>> = {
  created: 'the sidecar has not been started (call sidecar.start())',
  starting: 'the sidecar has not caught up with the keys and revocation topics yet',
  'catching-up': 'the sidecar has not caught up with the keys and revocation topics yet',
  ready: '',
  failed: 'the sidecar could not read the keys and revocation topics (see its start error)',
  closed: 'the sidecar is closed',
};

/**
 * The sidecar's state (through the transition table of sidecar-state.ts) and its `ready` promise.
 * Every transition that settles `ready` lives here, so `ready` resolves once, or rejects once
 * with the error that explains it.
 */
export interface SidecarLifecycle {
  readonly state: SidecarState;
  /** Resolves when the state becomes `ready`; rejects on `failed` or on `closed` before that. */
  readonly ready: Promise<void>;
  isReady(): boolean;
  /** Why `verify` answers `NOT_READY` in the current state. */
  notReadyMessage(): string;
  /** `created → starting`; a `TypeError` if already started or closed (the message names the call). */
  beginStart(): void;
  /** `starting → catching-up`, once the readers run (no-op if caught up or closed meanwhile). */
  readersStarted(): void;
  /** `→ ready` once both topics are caught up; returns false if the sidecar was closed or failed meanwhile. */
  caughtUp(): boolean;
  /**
   * `→ failed` with `failure` as the `ready` rejection, if still starting or catching up; returns
   * whether it did (the caller logs then).
   */
  fail(failure: SidecarStartError): boolean;
  /** `→ closed`; rejects `ready` with a `SidecarClosedError` if it was not ready yet. */
  close(): void;
}

export function createSidecarLifecycle(): SidecarLifecycle {
  let state: SidecarState = 'created';
  const ready = createDeferred<void>();
  const to = (next: SidecarState): void => {
    assertTransition(state, next);
    state = next;
  };
  const starting = (): boolean => state === 'starting' || state === 'catching-up';
  return {
    get state() {
      return state;
    },
    ready: ready.promise,
    isReady: () => state === 'ready',
    notReadyMessage: () => NOT_READY_MESSAGES[state],
    beginStart() {
      if (state === 'closed') throw new TypeError('sidecar.start(): the sidecar is closed; create a new one');
      if (state !== 'created') throw new TypeError('sidecar.start() was already called');
      to('starting');
    },
    readersStarted() {
      if (state === 'starting') to('catching-up');
    },
    caughtUp() {
      if (!starting()) return false;
      to('ready');
      ready.resolve();
      return true;
    },
    fail(failure) {
      if (!starting()) return false;
      to('failed');
      ready.reject(failure);
      return true;
    },
    close() {
      const wasReady = state === 'ready';
      to('closed');
      if (!wasReady) ready.reject(new SidecarClosedError('the sidecar was closed before it caught up with the keys and revocation topics'));
    },
  };
}

