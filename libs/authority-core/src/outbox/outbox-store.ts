import type { OutgoingRecord } from '@revmesh/transport';
import { translateStoreError, type AuthorityStore } from '../store/store';

/** One row of the outbox: a record waiting for (or past) publication. */
export interface OutboxEntry {
  /** Position in the outbox; publication follows `seq` order. */
  readonly seq: number;
  readonly eventId: string;
  readonly record: OutgoingRecord;
  /** Epoch ms. */
  readonly createdAt: number;
}

/** The transactional outbox table. */
export interface OutboxStore {
  /**
   * Resolves once every entry read so far is durable (a group commit's rows are visible before
   * their fsync completes); rejects after a failed flush, when nothing more may be published.
   */
  durable(): Promise<void>;
  /**
   * Appends a record. Call it inside the same {@link AuthorityStore.transaction} as the state
   * change it announces: that is the whole point of an outbox.
   * @returns the entry's `seq`.
   */
  append(entry: { readonly eventId: string; readonly revocationId?: string; readonly record: OutgoingRecord }, now: number): number;
  /** Up to `limit` unpublished entries, oldest (`seq`) first. */
  unpublished(limit: number): OutboxEntry[];
  /**
   * Marks entries published at `at` (epoch ms), in one transaction that does not wait for an
   * fsync: a mark lost to a power cut only republishes the rows (consumers deduplicate).
   * `condition` runs first in the same transaction; when it throws, nothing is marked (the relay's
   * check that its leader lease is still at its epoch, so a takeover cannot slip in between).
   */
  markPublished(seqs: readonly number[], at: number, condition?: () => void): void;
  /** Number of entries not yet published. */
  pendingCount(): number;
  /** Entries not yet published and when the oldest of them was appended (epoch ms; null when none). */
  backlog(): { readonly count: number; readonly oldestCreatedAt: number | null };
}

interface OutboxRow {
  seq: number;
  event_id: string;
  topic: string;
  record_key: string;
  value: Buffer;
  headers: string;
  created_at: number;
}

/** `seqs` as runs of consecutive integers, `[first, last]` each, in the order given. */
export function consecutiveRuns(seqs: readonly number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const seq of seqs) {
    const run = runs[runs.length - 1];
    if (run !== undefined && seq === run[1] + 1) run[1] = seq;
    else runs.push([seq, seq]);
  }
  return runs;
}

/** Creates the outbox repository on top of the store. */
export function createOutboxStore(store: AuthorityStore): OutboxStore {
  const db = store.db;
  const insert = db
    .prepare<[string, string | null, string, string, Buffer, string, number], number>(
      `INSERT INTO outbox (event_id, revocation_id, topic, record_key, value, headers, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
    )
    .pluck();
  const select = db.prepare<[number], OutboxRow>(
    `SELECT seq, event_id, topic, record_key, value, headers, created_at FROM outbox
     WHERE published_at IS NULL ORDER BY seq LIMIT ?`,
  );
  const mark = db.prepare('UPDATE outbox SET published_at = ? WHERE seq BETWEEN ? AND ? AND published_at IS NULL');
  const count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM outbox WHERE published_at IS NULL');
  const backlog = db.prepare<[], { n: number; oldest: number | null }>('SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox WHERE published_at IS NULL');

  return {
    append(entry, now) {
      const { record } = entry;
      const seq = insert.get(
        entry.eventId,
        entry.revocationId ?? null,
        record.topic,
        record.key,
        record.value,
        JSON.stringify(record.headers ?? {}),
        now,
      );
      return Number(seq);
    },

    durable: () => store.durable(),

    unpublished(limit) {
      if (!Number.isInteger(limit) || limit < 1) throw new TypeError('limit must be a positive integer');
      let rows: OutboxRow[];
      try {
        rows = select.all(limit);
      } catch (error) {
        throw translateStoreError(error, 'cannot read the outbox');
      }
      return rows.map((row) => ({
        seq: row.seq,
        eventId: row.event_id,
        createdAt: row.created_at,
        record: {
          topic: row.topic,
          key: row.record_key,
          value: row.value,
          headers: JSON.parse(row.headers) as Record<string, string>,
        },
      }));
    },

    markPublished(seqs, at, condition) {
      // One statement per run of consecutive seqs (a relay batch is usually one run), not per row.
      store.relaxedTransaction(() => {
        condition?.();
        for (const [first, last] of consecutiveRuns(seqs)) mark.run(at, first, last);
      });
    },

    pendingCount() {
      try {
        return count.get()?.n ?? 0;
      } catch (error) {
        throw translateStoreError(error, 'cannot read the outbox');
      }
    },

    backlog() {
      try {
        const row = backlog.get();
        return { count: row?.n ?? 0, oldestCreatedAt: row?.oldest ?? null };
      } catch (error) {
        throw translateStoreError(error, 'cannot read the outbox');
      }
    },
  };
}
