import type { KeyState } from '@revmesh/contracts';
import { KeyInvalidError } from '../errors/errors';
import { translateStoreError, type AuthorityStore } from '../store/store';
import type { Milliseconds } from '../time/clock';
import type { SealedKey } from './envelope';
import { isKeyState } from './key-transitions';
import type { PublicSigningJwk } from './token-key-material';

/** A token-signing key as stored, without its private part. Times are epoch ms. */
export interface StoredSigningKey {
  readonly kid: string;
  readonly alg: string;
  readonly state: KeyState;
  readonly publicJwk: PublicSigningJwk;
  readonly createdAt: Milliseconds;
  readonly stateChangedAt: Milliseconds;
  /** Last time it became active (a rollback re-activates it); null if never active. */
  readonly activatedAt: Milliseconds | null;
  /** When it last stopped signing; null while it never stopped. */
  readonly deactivatedAt: Milliseconds | null;
  /** Earliest time it may be retired: its newest token has expired (+ skew). Set while retiring. */
  readonly retireAfter: Milliseconds | null;
}

/** The `signing_keys` table. Writes must run inside a store transaction. */
export interface SigningKeyStore {
  list(): StoredSigningKey[];
  get(kid: string): StoredSigningKey | undefined;
  /** The key in `state`, for the two states that hold at most one key. */
  inState(state: 'active' | 'pending'): StoredSigningKey | undefined;
  /** The sealed private part, for opening (or re-wrapping) a key. */
  sealed(kid: string): { kid: string; alg: string; sealed_key: string } | undefined;
  insertPending(key: { kid: string; alg: string; publicJwk: PublicSigningJwk; sealed: SealedKey }, now: Milliseconds): void;
  setState(kid: string, change: StateChange): void;
}

/** The columns a state change writes. */
export interface StateChange {
  readonly state: KeyState;
  readonly at: Milliseconds;
  readonly activatedAt?: Milliseconds;
  readonly deactivatedAt?: Milliseconds;
  /** `null` clears it (a rollback re-activating a retiring key). */
  readonly retireAfter?: Milliseconds | null;
}

interface Row {
  kid: string;
  alg: string;
  state: string;
  public_jwk: string;
  created_at: number;
  state_changed_at: number;
  activated_at: number | null;
  deactivated_at: number | null;
  retire_after: number | null;
}

const COLUMNS = 'kid, alg, state, public_jwk, created_at, state_changed_at, activated_at, deactivated_at, retire_after';

function toKey(row: Row): StoredSigningKey {
  if (!isKeyState(row.state)) throw new KeyInvalidError(`signing key ${row.kid} has an unknown state ${row.state}`);
  return {
    kid: row.kid,
    alg: row.alg,
    state: row.state,
    publicJwk: JSON.parse(row.public_jwk) as PublicSigningJwk,
    createdAt: row.created_at,
    stateChangedAt: row.state_changed_at,
    activatedAt: row.activated_at,
    deactivatedAt: row.deactivated_at,
    retireAfter: row.retire_after,
  };
}

/** Creates the repository of token-signing keys. */
export function createSigningKeyStore(store: AuthorityStore): SigningKeyStore {
  const db = store.db;
  const all = db.prepare<[], Row>(`SELECT ${COLUMNS} FROM signing_keys ORDER BY created_at, kid`);
  const one = db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM signing_keys WHERE kid = ?`);
  const byState = db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM signing_keys WHERE state = ?`);
  const sealed = db.prepare<[string], { kid: string; alg: string; sealed_key: string }>(
    'SELECT kid, alg, sealed_key FROM signing_keys WHERE kid = ?',
  );
  const insert = db.prepare(
    `INSERT INTO signing_keys (kid, alg, state, public_jwk, sealed_key, created_at, state_changed_at)
     VALUES (?, ?, 'pending', ?, ?, ?, ?)`,
  );
  const update = db.prepare(
    `UPDATE signing_keys SET state = @state, state_changed_at = @at,
       activated_at = COALESCE(@activatedAt, activated_at),
       deactivated_at = COALESCE(@deactivatedAt, deactivated_at),
       retire_after = CASE WHEN @setRetireAfter = 1 THEN @retireAfter ELSE retire_after END
     WHERE kid = @kid`,
  );
  const read = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      throw translateStoreError(error, 'cannot read the signing keys');
    }
  };

  return {
    list: () => read(() => all.all().map(toKey)),
    get: (kid) => read(() => {
      const row = one.get(kid);
      return row === undefined ? undefined : toKey(row);
    }),
    inState: (state) => read(() => {
      const row = byState.get(state);
      return row === undefined ? undefined : toKey(row);
    }),
    sealed: (kid) => read(() => sealed.get(kid)),
    insertPending(key, now) {
      insert.run(key.kid, key.alg, JSON.stringify(key.publicJwk), JSON.stringify(key.sealed), now, now);
    },
    setState(kid, change) {
      const result = update.run({
        kid,
        state: change.state,
        at: change.at,
        activatedAt: change.activatedAt ?? null,
        deactivatedAt: change.deactivatedAt ?? null,
        setRetireAfter: change.retireAfter === undefined ? 0 : 1,
        retireAfter: change.retireAfter ?? null,
      });
      if (result.changes !== 1) throw new KeyInvalidError(`signing key ${kid} vanished during a state change`);
    },
  };
}
