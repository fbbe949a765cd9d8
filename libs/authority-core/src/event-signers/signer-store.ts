import type { EventSignerJwk } from '@revmesh/contracts';
import { KeyInvalidError } from '../errors/errors';
import type { SealedKey } from '../keys/envelope';
import { translateStoreError, type AuthorityStore } from '../store/store';
import type { Milliseconds } from '../time/clock';

/**
 * States of an event signer:
 * - `announced`: its `event-signer.announced` is published (sidecars trust it) but it signs
 *   nothing yet: the authority waits for live sidecars to confirm before switching.
 * - `active`: signs every event. Exactly one.
 * - `overlap`: replaced, still trusted until `withdraw_after`, then withdrawn.
 * - `withdrawn`: an `event-signer.withdrawn` for it is published; trusted by nobody.
 * - `compromised`: dropped by an out-of-band reset (`REVMESH_EVENT_SIGNER_RESET`).
 */
export const EVENT_SIGNER_STATES = ['announced', 'active', 'overlap', 'withdrawn', 'compromised'] as const;
export type EventSignerState = (typeof EVENT_SIGNER_STATES)[number];

/** States whose public key is trusted (served at /.well-known/revmesh-event-signers.json). */
export const TRUSTED_SIGNER_STATES: readonly EventSignerState[] = ['announced', 'active', 'overlap'];

/** An event signer as stored, without its private part. */
export interface StoredEventSigner {
  readonly kid: string;
  readonly state: EventSignerState;
  readonly publicJwk: EventSignerJwk;
  readonly createdAt: Milliseconds;
  readonly stateChangedAt: Milliseconds;
  readonly activatedAt: Milliseconds | null;
  /** While in `overlap`: when it is withdrawn. */
  readonly withdrawAfter: Milliseconds | null;
  /** When every live key state and revocation had been re-signed by it; null while owed. */
  readonly republishedAt: Milliseconds | null;
}

/** The `event_signers` table. Writes run inside a store transaction. */
export interface EventSignerStore {
  list(): StoredEventSigner[];
  get(kid: string): StoredEventSigner | undefined;
  inState(state: 'active' | 'announced'): StoredEventSigner | undefined;
  sealed(kid: string): { kid: string; sealed_key: string } | undefined;
  insert(signer: { kid: string; publicJwk: EventSignerJwk; sealed: SealedKey; state: 'active' | 'announced' }, now: Milliseconds): void;
  /** Records that every live record has been re-signed by this signer. */
  markRepublished(kid: string, at: Milliseconds): void;
  setState(kid: string, state: EventSignerState, at: Milliseconds, extra?: { activatedAt?: Milliseconds; withdrawAfter?: Milliseconds }): void;
}

interface Row {
  kid: string;
  state: EventSignerState;
  public_jwk: string;
  created_at: number;
  state_changed_at: number;
  activated_at: number | null;
  withdraw_after: number | null;
  republished_at: number | null;
}

const COLUMNS = 'kid, state, public_jwk, created_at, state_changed_at, activated_at, withdraw_after, republished_at';

function toSigner(row: Row): StoredEventSigner {
  if (!(EVENT_SIGNER_STATES as readonly string[]).includes(row.state)) {
    throw new KeyInvalidError(`event signer ${row.kid} has an unknown state ${row.state}`);
  }
  return {
    kid: row.kid,
    state: row.state,
    publicJwk: JSON.parse(row.public_jwk) as EventSignerJwk,
    createdAt: row.created_at,
    stateChangedAt: row.state_changed_at,
    activatedAt: row.activated_at,
    withdrawAfter: row.withdraw_after,
    republishedAt: row.republished_at,
  };
}

/** Creates the repository of event signers. */
export function createEventSignerStore(store: AuthorityStore): EventSignerStore {
  const db = store.db;
  const all = db.prepare<[], Row>(`SELECT ${COLUMNS} FROM event_signers ORDER BY created_at, kid`);
  const one = db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM event_signers WHERE kid = ?`);
  const byState = db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM event_signers WHERE state = ?`);
  const sealed = db.prepare<[string], { kid: string; sealed_key: string }>('SELECT kid, sealed_key FROM event_signers WHERE kid = ?');
  const insert = db.prepare(
    `INSERT INTO event_signers (kid, state, public_jwk, sealed_key, created_at, state_changed_at, activated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const update = db.prepare(
    `UPDATE event_signers SET state = ?, state_changed_at = ?, activated_at = COALESCE(?, activated_at),
       withdraw_after = COALESCE(?, withdraw_after) WHERE kid = ?`,
  );
  const republished = db.prepare('UPDATE event_signers SET republished_at = ? WHERE kid = ?');
  const read = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      throw translateStoreError(error, 'cannot read the event signers');
    }
  };
  return {
    list: () => read(() => all.all().map(toSigner)),
    get: (kid) => read(() => {
      const row = one.get(kid);
      return row === undefined ? undefined : toSigner(row);
    }),
    inState: (state) => read(() => {
      const row = byState.get(state);
      return row === undefined ? undefined : toSigner(row);
    }),
    sealed: (kid) => read(() => sealed.get(kid)),
    insert(signer, now) {
      insert.run(
        signer.kid,
        signer.state,
        JSON.stringify(signer.publicJwk),
        JSON.stringify(signer.sealed),
        now,
        now,
        signer.state === 'active' ? now : null,
      );
    },
    markRepublished(kid, at) {
      republished.run(at, kid);
    },
    setState(kid, state, at, extra = {}) {
      const result = update.run(state, at, extra.activatedAt ?? null, extra.withdrawAfter ?? null, kid);
      if (result.changes !== 1) throw new KeyInvalidError(`event signer ${kid} vanished during a state change`);
    },
  };
}
