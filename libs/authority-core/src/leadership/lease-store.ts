import { LeaseLostError } from '../errors/errors';
import type { AuthorityStore } from '../store/store';
import type { Milliseconds } from '../time/clock';

/** Name of the authority's one lease row. */
export const AUTHORITY_LEASE = 'authority';

/** The lease row as stored. */
export interface LeaseRow {
  /** The replica holding it; null once its last holder released it (anyone may take it at once). */
  readonly holder: string | null;
  /** Bumped by every takeover, never lowered. */
  readonly epoch: number;
  /** Bumped by every renewal and release: a follower watches (epoch, renewals) change. */
  readonly renewals: number;
  /** The holder's wall clock at its last renewal, epoch ms (display only: no replica compares clocks). */
  readonly renewedAt: Milliseconds;
  /** `renewedAt` + the TTL, epoch ms (display only). */
  readonly expiresAt: Milliseconds;
}

/** What a follower saw of the lease, to take it over only if nothing changed since. */
export interface LeaseSighting {
  readonly epoch: number;
  readonly renewals: number;
}

/**
 * The lease's statements, each ONE compare-and-set statement in SQL both engines accept, so
 * two replicas racing for the lease cannot both win: the row's (epoch, renewals) is the version
 * every write is conditioned on. Each runs in its own write transaction, so on PostgreSQL it is
 * ordered with the writes conditioned on the epoch (the relay's "published" marks).
 */
export interface LeaseStore {
  read(): LeaseRow | undefined;
  /** Creates the lease held by `holder` at epoch 1; false when it already exists. */
  create(holder: string, now: Milliseconds, ttlMs: Milliseconds): boolean;
  /** Renews `holder`'s lease at `epoch`; false when it is no longer theirs (taken over or released). */
  renew(holder: string, epoch: number, now: Milliseconds, ttlMs: Milliseconds): boolean;
  /**
   * Takes the lease for `holder` at the next epoch if it is still as `seen` (no renewal, no takeover
   * since), or unconditionally when `seen` is undefined (the one replica of an exclusive store).
   * @returns the new epoch, or undefined when it changed meanwhile (or does not exist).
   */
  takeOver(holder: string, seen: LeaseSighting | undefined, now: Milliseconds, ttlMs: Milliseconds): number | undefined;
  /** Gives the lease up (holder null), so a follower takes it at once; false when it was not ours. */
  release(holder: string, epoch: number, now: Milliseconds): boolean;
  /**
   * Throws {@link LeaseLostError} unless the lease is at `epoch`. Call it inside the write
   * transaction of what it guards: on PostgreSQL that transaction holds the database-wide write
   * lock, so no takeover commits between this check and the guarded writes.
   */
  confirmEpoch(epoch: number): void;
}

interface LeaseDbRow {
  holder: string | null;
  epoch: number;
  renewals: number;
  renewed_at: number;
  expires_at: number;
}

/** The lease statements over the store (either engine). */
export function createLeaseStore(store: AuthorityStore, name: string = AUTHORITY_LEASE): LeaseStore {
  const db = store.db;
  const select = db.prepare<[string], LeaseDbRow>('SELECT holder, epoch, renewals, renewed_at, expires_at FROM leader_lease WHERE name = ?');
  const insert = db.prepare(
    'INSERT INTO leader_lease (name, holder, epoch, renewals, renewed_at, expires_at) VALUES (?, ?, 1, 0, ?, ?) ON CONFLICT (name) DO NOTHING',
  );
  const renew = db.prepare('UPDATE leader_lease SET renewals = renewals + 1, renewed_at = ?, expires_at = ? WHERE name = ? AND holder = ? AND epoch = ?');
  const takeOver = db.prepare(
    'UPDATE leader_lease SET holder = ?, epoch = epoch + 1, renewals = 0, renewed_at = ?, expires_at = ? WHERE name = ? AND epoch = ? AND renewals = ?',
  );
  const forceTakeOver = db.prepare('UPDATE leader_lease SET holder = ?, epoch = epoch + 1, renewals = 0, renewed_at = ?, expires_at = ? WHERE name = ?');
  const epochOf = db.prepare<[string], { epoch: number }>('SELECT epoch FROM leader_lease WHERE name = ?');
  const release = db.prepare('UPDATE leader_lease SET holder = NULL, renewals = renewals + 1, expires_at = ? WHERE name = ? AND holder = ? AND epoch = ?');

  const read = (): LeaseRow | undefined => {
    const row = select.get(name);
    return row === undefined
      ? undefined
      : { holder: row.holder, epoch: Number(row.epoch), renewals: Number(row.renewals), renewedAt: Number(row.renewed_at), expiresAt: Number(row.expires_at) };
  };
  return {
    read,
    // Durable commits for what moves the epoch (it must never go back after a crash); renewals
    // and releases are bookkeeping a power cut may lose (the lease then just looks older).
    create: (holder, now, ttlMs) => store.transaction(() => insert.run(name, holder, now, now + ttlMs).changes === 1),
    renew: (holder, epoch, now, ttlMs) => store.relaxedTransaction(() => renew.run(now, now + ttlMs, name, holder, epoch).changes === 1),
    takeOver: (holder, seen, now, ttlMs) =>
      store.transaction(() => {
        const changed = seen === undefined ? forceTakeOver.run(holder, now, now + ttlMs, name) : takeOver.run(holder, now, now + ttlMs, name, seen.epoch, seen.renewals);
        return changed.changes === 1 ? read()?.epoch : undefined;
      }),
    release: (holder, epoch, now) => store.relaxedTransaction(() => release.run(now, name, holder, epoch).changes === 1),
    confirmEpoch(epoch) {
      const current = epochOf.get(name)?.epoch;
      if (current === undefined || Number(current) !== epoch) {
        throw new LeaseLostError(`the leader lease moved from epoch ${epoch} to ${current ?? 'none'}: this replica may no longer act as leader`);
      }
    },
  };
}
