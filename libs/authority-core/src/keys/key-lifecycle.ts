import { KEY_STATE_CHANGED, keyEventKey, type Actor, type KeyState, type KeyStateChangedEvent } from '@revmesh/contracts';
import type { EventSignerRing } from '../event-signers/event-signer-ring';
import { KeyNotFoundError } from '../errors/errors';
import type { KeyEventDraft, KeyEventLog, KeyEventRecord } from '../events/key-event-log';
import type { Milliseconds, Seconds } from '../time/clock';
import type { SigningKeyStore, StateChange } from './key-store';
import { assertTransition } from './key-transitions';
import type { KeyRing } from './signing-keys';
import { generateSigningKey, type GeneratedSigningKey, type PublicSigningJwk } from './token-key-material';

/** One step of a key-set change. Steps apply in order, all in one transaction. */
export type KeyStep =
  /** Stores a new key as `pending` and publishes it (the pre-published standby). */
  | { readonly kind: 'create'; readonly key: GeneratedSigningKey }
  /** Moves a key along the transition table. */
  | { readonly kind: 'transition'; readonly kid: string; readonly to: KeyState }
  /** Publishes a key's current state again, unchanged (e.g. re-signed by a new event signer). */
  | { readonly kind: 'announce'; readonly kid: string };

/** Who changes the keys, why, and under which rotation record. */
export interface KeyChangeMeta {
  readonly actor: Actor;
  readonly reason: string | null;
  readonly rotationId: string | null;
}

/**
 * Applies key-set changes: checks every move against the transition table, publishes one
 * signed `key.state-changed` per step (keys topic, key = kid, next `key_set_version`), writes the
 * new states, and switches the in-memory key ring, all or nothing.
 */
export interface KeyLifecycle {
  /**
   * Call inside {@link KeyEventLog.exclusive}. `inTransaction` runs in the same transaction
   * (rotation records, admin actions).
   *
   * @throws {KeyNotFoundError} for an unknown kid.
   * @throws {KeyStateConflictError} for a move the table forbids; nothing is written.
   */
  apply(
    steps: readonly KeyStep[],
    meta: KeyChangeMeta,
    inTransaction?: (now: Milliseconds, events: readonly KeyEventRecord[]) => void,
  ): Promise<readonly KeyEventRecord[]>;
  /**
   * Call inside {@link KeyEventLog.exclusive}. Ensures exactly one `active` key and one
   * `pending` standby, and that every key's current state is on the keys topic signed by a
   * trusted event signer (after a migration from the single-key model, or a signer change).
   */
  ensureInvariants(actor: Actor): Promise<readonly KeyEventRecord[]>;
  /**
   * Call inside {@link KeyEventLog.exclusive}. Announces every key's current state again (retired
   * keys aside), signed by the current signer, under new key-set versions: after the keys topic
   * was deleted or truncated, a sidecar starting from it must still find every key.
   */
  announceAll(actor: Actor): Promise<readonly KeyEventRecord[]>;
  /** Generates a key (not stored until a `create` step commits). */
  generate(): Promise<GeneratedSigningKey>;
  /** When a key that stops signing at `deactivatedAt` may be retired. */
  retireAfter(deactivatedAt: Milliseconds): Milliseconds;
}

export interface KeyLifecycleOptions {
  readonly keys: SigningKeyStore;
  readonly ring: KeyRing;
  readonly log: KeyEventLog;
  readonly signers: Pick<EventSignerRing, 'current'>;
  readonly kek: Buffer;
  /** Longest access-token lifetime: how long a key verifies after it stopped signing. */
  readonly accessTokenTtlSeconds: Seconds;
  /** Added to that for verifiers' clock skew, ms. */
  readonly skewMs: Milliseconds;
}

interface Simulated {
  state: KeyState;
  publicJwk: PublicSigningJwk;
  /** The key's `retire_after` once the change commits at `now`. */
  retire: (now: Milliseconds) => Milliseconds | null;
}

/** Creates the key lifecycle. */
export function createKeyLifecycle(options: KeyLifecycleOptions): KeyLifecycle {
  const { keys, ring, log, signers, kek } = options;
  const retireAfter = (deactivatedAt: Milliseconds): Milliseconds =>
    deactivatedAt + options.accessTokenTtlSeconds * 1000 + options.skewMs;

  function changeFor(from: KeyState | undefined, to: KeyState, now: Milliseconds): StateChange {
    return {
      state: to,
      at: now,
      ...(to === 'active' ? { activatedAt: now, retireAfter: null } : {}),
      ...(from === 'active' ? { deactivatedAt: now } : {}),
      ...(to === 'retiring' ? { retireAfter: retireAfter(now) } : {}),
    };
  }

  function draft(kid: string, publicJwk: PublicSigningJwk, state: KeyState, meta: KeyChangeMeta, retire: (now: number) => number | null): KeyEventDraft {
    return {
      subject: 'key',
      kid,
      state,
      rotationId: meta.rotationId,
      recordKey: keyEventKey(kid),
      build: ({ id, version, now }): KeyStateChangedEvent => ({
        id,
        type: KEY_STATE_CHANGED,
        version: 1,
        issued_at: now,
        actor: meta.actor,
        payload: {
          kid,
          state,
          public_jwk: publicJwk,
          key_set_version: version,
          changed_at: now,
          retire_after: retire(now),
          rotation_id: meta.rotationId,
          reason: meta.reason,
        },
      }),
    };
  }

  async function apply(
    steps: readonly KeyStep[],
    meta: KeyChangeMeta,
    inTransaction?: (now: Milliseconds, events: readonly KeyEventRecord[]) => void,
  ): Promise<readonly KeyEventRecord[]> {
    // Simulate first: every move is checked against the table before anything is signed.
    const simulated = new Map<string, Simulated>();
    const current = (kid: string): Simulated => {
      let entry = simulated.get(kid);
      if (entry === undefined) {
        const row = keys.get(kid);
        if (row === undefined) throw new KeyNotFoundError(kid);
        const stored = row.retireAfter;
        entry = { state: row.state, publicJwk: row.publicJwk, retire: () => stored };
        simulated.set(kid, entry);
      }
      return entry;
    };
    // What the event says about retirement, per state: only retiring/retired keys have a date.
    const published = (entry: Simulated) => (now: Milliseconds): Milliseconds | null =>
      entry.state === 'retiring' ? entry.retire(now) : entry.state === 'retired' ? (entry.retire(now) ?? now) : null;
    const drafts: KeyEventDraft[] = [];
    for (const step of steps) {
      if (step.kind === 'create') {
        const { kid, publicJwk } = step.key.key;
        simulated.set(kid, { state: 'pending', publicJwk, retire: () => null });
        drafts.push(draft(kid, publicJwk, 'pending', meta, () => null));
      } else if (step.kind === 'transition') {
        const entry = current(step.kid);
        assertTransition(step.kid, entry.state, step.to);
        if (step.to === 'active') entry.retire = () => null;
        if (step.to === 'retiring') entry.retire = retireAfter;
        entry.state = step.to;
        drafts.push(draft(step.kid, entry.publicJwk, step.to, meta, published({ ...entry })));
      } else {
        const entry = current(step.kid);
        drafts.push(draft(step.kid, entry.publicJwk, entry.state, meta, published({ ...entry })));
      }
    }

    const events = await log.commit(drafts, (now, records) => {
      const states = new Map<string, KeyState>();
      for (const step of steps) {
        if (step.kind === 'create') {
          const { key, sealed } = step.key;
          keys.insertPending({ kid: key.kid, alg: key.alg, publicJwk: key.publicJwk, sealed }, now);
          states.set(key.kid, 'pending');
        } else if (step.kind === 'transition') {
          const from = states.get(step.kid) ?? keys.get(step.kid)?.state;
          // Re-checked against the row itself: the simulation ran before an await.
          if (from === undefined) throw new KeyNotFoundError(step.kid);
          assertTransition(step.kid, from, step.to);
          keys.setState(step.kid, changeFor(from, step.to, now));
          states.set(step.kid, step.to);
        }
      }
      inTransaction?.(now, records);
    });
    for (const step of steps) if (step.kind === 'create') ring.adopt(step.key.key);
    ring.refresh();
    return events;
  }

  return {
    apply,
    generate: () => generateSigningKey(kek),
    retireAfter,

    async ensureInvariants(actor) {
      const steps: KeyStep[] = [];
      const touched = new Set<string>();
      let active = keys.inState('active');
      let pending = keys.inState('pending');
      if (active === undefined) {
        if (pending !== undefined) {
          steps.push({ kind: 'transition', kid: pending.kid, to: 'active' });
          touched.add(pending.kid);
          active = pending;
          pending = undefined;
        } else {
          const first = await generateSigningKey(kek);
          steps.push({ kind: 'create', key: first }, { kind: 'transition', kid: first.key.kid, to: 'active' });
          touched.add(first.key.kid);
        }
      }
      if (pending === undefined) {
        const standby = await generateSigningKey(kek);
        steps.push({ kind: 'create', key: standby });
        touched.add(standby.key.kid);
      }
      // Announce what a sidecar trusting only the current signer cannot know yet: keys whose
      // current state was never published (a database from the single-key model), or was signed
      // by an earlier signer (after a signer switch or reset; the keys topic is compacted, so
      // the latest event per kid must carry a signature everyone accepts). Retired keys are left
      // out: sidecars drop them anyway.
      const announce: KeyStep[] = [];
      for (const row of keys.list()) {
        if (row.state === 'retired' || touched.has(row.kid)) continue;
        const last = log.latest(row.kid);
        if (last === undefined || last.state !== row.state || last.signerKid !== signers.current.kid) {
          announce.push({ kind: 'announce', kid: row.kid });
        }
      }
      const all = [...announce, ...steps];
      if (all.length === 0) return [];
      return apply(all, { actor, reason: 'authority start: one active key, one pre-published standby', rotationId: null });
    },

    announceAll(actor) {
      const announce: KeyStep[] = keys
        .list()
        .filter((row) => row.state !== 'retired')
        .map((row) => ({ kind: 'announce', kid: row.kid }));
      if (announce.length === 0) return Promise.resolve([]);
      return apply(announce, { actor, reason: 'keys topic lost: every key state republished', rotationId: null });
    },
  };
}
