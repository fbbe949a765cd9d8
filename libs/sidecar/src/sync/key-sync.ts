import type { EventSignerAnnouncedEvent, EventSignerWithdrawnEvent, KeyState, KeyStateChangedEvent, KillSwitchChangedEvent } from '@revmesh/contracts';
import type { KillSwitches } from '../kill-switch/kill-switches';
import type { KeySet } from '../keys/key-set';
import type { SidecarLogger } from '../logging/logger';
import type { Clock, EpochMillis, Milliseconds } from '../internal/units';
import type { SignerChain } from '../signers/signer-chain';
import type { SidecarMetrics } from '../telemetry/sidecar-metrics';
import type { EventRejection } from './event-rejection';

/** A key state change this sidecar applied: the evidence behind "when did each service stop accepting that key". */
export interface AppliedKeyEvent {
  readonly kid: string;
  readonly state: KeyState;
  /** The state before, or undefined for a kid seen for the first time. */
  readonly previousState: KeyState | undefined;
  readonly keySetVersion: number;
  readonly eventId: string;
  /** When it was applied, epoch ms (sidecar clock). */
  readonly appliedAt: EpochMillis;
  /** `appliedAt − issued_at` of the event, ms, floored at 0. */
  readonly latencyMs: Milliseconds;
  /** True if applied while catching up at start, rather than live. */
  readonly replay: boolean;
}

export type KeyEventListener = (applied: AppliedKeyEvent) => void;

export type KeySyncOutcome = { readonly ok: true } | EventRejection;

export interface KeySyncCounts {
  readonly keyEventsApplied: number;
  readonly signerEventsApplied: number;
  readonly killSwitchEventsApplied: number;
}

export interface KeySyncOptions {
  readonly keySet: KeySet;
  readonly signerChain: SignerChain;
  readonly killSwitches: KillSwitches;
  readonly clock: Clock;
  readonly logger: SidecarLogger;
  readonly metrics: SidecarMetrics;
  /** Whether the sidecar has caught up; events applied before that are a replay. */
  readonly isReady: () => boolean;
}

/** Applies the (signature-checked) events of the keys topic: token-key state changes and event-signer changes. */
export interface KeySync {
  applyKeyEvent(event: KeyStateChangedEvent): Promise<KeySyncOutcome>;
  applySignerEvent(event: EventSignerAnnouncedEvent | EventSignerWithdrawnEvent, signerKid: string): KeySyncOutcome;
  /** Applies a kill switch's new state (engaged, lockdown, lifted). */
  applyKillSwitchEvent(event: KillSwitchChangedEvent): KeySyncOutcome;
  /** Highest `key_set_version` of an applied key, signer or kill-switch event; 0 before any. */
  readonly version: number;
  counts(): KeySyncCounts;
  onKeyEvent(listener: KeyEventListener): () => void;
  /** Drops every listener (on close). */
  clearListeners(): void;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export function createKeySync(options: KeySyncOptions): KeySync {
  const { keySet, signerChain, clock, logger, metrics } = options;
  const listeners = new Set<KeyEventListener>();
  let version = 0;
  let keyEventsApplied = 0;
  let signerEventsApplied = 0;
  let killSwitchEventsApplied = 0;

  const notify = (applied: AppliedKeyEvent): void => {
    for (const listener of listeners) {
      try {
        listener(applied);
      } catch (error) {
        // A listener's bug must not stop enforcement or the other listeners.
        logger.error('revmesh sidecar onKeyEvent listener threw', { error: messageOf(error) });
      }
    }
  };

  return {
    async applyKeyEvent(event) {
      const outcome = await keySet.apply(event);
      if (!outcome.ok) return outcome;
      const { payload } = event;
      version = Math.max(version, payload.key_set_version);
      keyEventsApplied++;
      const appliedAt = clock();
      const applied: AppliedKeyEvent = {
        kid: payload.kid,
        state: outcome.state,
        previousState: outcome.previous,
        keySetVersion: payload.key_set_version,
        eventId: event.id,
        appliedAt,
        latencyMs: Math.max(0, appliedAt - event.issued_at),
        replay: !options.isReady(),
      };
      metrics.keyEventApplied(applied.state, applied.latencyMs, applied.replay);
      // A revocation is a security event: worth a line at info even with debug off.
      const level = payload.state === 'revoked' ? 'info' : 'debug';
      logger[level]('revmesh sidecar applied a key state change', {
        kid: payload.kid,
        state: payload.state,
        previous_state: outcome.previous ?? null,
        key_set_version: payload.key_set_version,
        latency_ms: applied.latencyMs,
        replay: applied.replay,
      });
      notify(applied);
      return { ok: true };
    },
    applySignerEvent(event, signerKid) {
      const outcome = event.type === 'event-signer.announced' ? signerChain.announce(event, signerKid) : signerChain.withdraw(event, signerKid);
      if (!outcome.ok) return outcome;
      version = Math.max(version, event.payload.key_set_version);
      signerEventsApplied++;
      metrics.signerEventApplied(outcome.change);
      if (outcome.change !== 'unchanged') {
        // Who the sidecar trusts changed: always worth a line.
        logger.info(`revmesh sidecar ${outcome.change === 'added' ? 'now trusts' : 'no longer trusts'} an event signer`, {
          signer_kid: event.type === 'event-signer.announced' ? event.payload.signer.kid : event.payload.kid,
          by: signerKid,
          key_set_version: event.payload.key_set_version,
        });
      }
      return { ok: true };
    },
    applyKillSwitchEvent(event) {
      const outcome = options.killSwitches.apply(event);
      if (!outcome.ok) return outcome;
      const { payload } = event;
      version = Math.max(version, payload.key_set_version);
      killSwitchEventsApplied++;
      const { previous, current } = outcome;
      // A kill switch is a security event: a lockdown starting or ending is worth a warn line.
      const lockdownChanged = current.lockdown !== (previous?.lockdown ?? false);
      logger[lockdownChanged ? 'warn' : 'info'](
        lockdownChanged
          ? current.lockdown
            ? 'revmesh sidecar: kill switch LOCKDOWN engaged; tokens of this scope are refused (LOCKDOWN)'
            : 'revmesh sidecar: kill switch lockdown lifted'
          : 'revmesh sidecar applied a kill switch',
        {
          scope: payload.scope.kind === 'global' ? 'global' : `aud:${payload.scope.audience}`,
          not_after_iat: current.notAfterIat,
          lockdown: current.lockdown,
          key_set_version: payload.key_set_version,
          replay: !options.isReady(),
        },
      );
      return { ok: true };
    },
    get version() {
      return version;
    },
    counts: () => ({ keyEventsApplied, signerEventsApplied, killSwitchEventsApplied }),
    onKeyEvent(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    clearListeners: () => listeners.clear(),
  };
}
