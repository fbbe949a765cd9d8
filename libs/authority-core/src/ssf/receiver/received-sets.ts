import { translateStoreError, type AuthorityStore } from '../../store/store';
import type { Milliseconds } from '../../time/clock';

/** What became of an accepted SET (stored with its `jti`). */
export type ReceivedOutcome = 'applied' | 'ignored' | 'verification' | 'stream-updated' | 'not-applied';

/**
 * The `jti`s of SETs accepted per transmitter (`ssf_received_sets`): a SET delivered again (a push
 * retried, a poll answered before its ack arrived) is acknowledged and applied once. Kept as long
 * as a SET's `iat` is accepted (`ssf.maxSetAgeSeconds`); older ones are refused by `iat` anyway.
 */
export interface ReceivedSets {
  has(transmitterId: string, jti: string): boolean;
  record(entry: { transmitterId: string; jti: string; eventTypes: readonly string[]; outcome: ReceivedOutcome; at: Milliseconds }): void;
  /** Forgets `jti`s received before `before`; returns how many. */
  prune(before: Milliseconds): number;
  forget(transmitterId: string): void;
}

export function createReceivedSets(store: AuthorityStore): ReceivedSets {
  const db = store.db;
  const has = db.prepare<[string, string], { one: number }>('SELECT 1 AS one FROM ssf_received_sets WHERE transmitter_id = ? AND jti = ?');
  const insert = db.prepare('INSERT INTO ssf_received_sets (transmitter_id, jti, event_types, outcome, received_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING');
  const prune = db.prepare('DELETE FROM ssf_received_sets WHERE received_at < ?');
  const forget = db.prepare('DELETE FROM ssf_received_sets WHERE transmitter_id = ?');
  const guard = <T>(what: string, run: () => T): T => {
    try {
      return run();
    } catch (error) {
      throw translateStoreError(error, `cannot ${what} received SETs`);
    }
  };
  return {
    has: (transmitterId, jti) => guard('read', () => has.get(transmitterId, jti)) !== undefined,
    record: (entry) => void guard('store', () => insert.run(entry.transmitterId, entry.jti, JSON.stringify(entry.eventTypes), entry.outcome, entry.at)),
    prune: (before) => guard('prune', () => prune.run(before)).changes,
    forget: (transmitterId) => void guard('delete', () => forget.run(transmitterId)),
  };
}
