import { translateStoreError, type AuthorityStore } from '../../store/store';
import type { Milliseconds } from '../../time/clock';

/** A signed SET waiting for its receiver. */
export interface QueuedSet {
  readonly seq: number;
  readonly streamId: string;
  readonly jti: string;
  readonly setJwt: string;
  readonly attempts: number;
  readonly nextAttemptAt: Milliseconds;
}

/**
 * The durable queue of SETs (`ssf_out_deliveries`): a SET is written here, in one transaction
 * with the cursor that says which revocations have been turned into SETs, before anything is
 * sent, so a crash or a receiver that is down loses nothing. A push SET leaves the queue when
 * the receiver answered 202, a polled one when it is acknowledged; one the receiver refused
 * (RFC 8935 400, RFC 8936 `setErrs`) stays as `failed` for a week, for the record.
 */
export interface DeliveryQueue {
  /**
   * Queues a SET for a stream that still exists and is not disabled; does nothing otherwise
   * (the stream was deleted or disabled meanwhile) or when this jti is queued already.
   * Call inside a store transaction. @returns whether it was queued.
   */
  enqueue(set: { readonly streamId: string; readonly jti: string; readonly setJwt: string }, now: Milliseconds): boolean;
  /** The oldest pending SETs of a stream, in queue order. */
  pending(streamId: string, limit: number): QueuedSet[];
  pendingCount(streamId: string): number;
  /** How a stream's deliveries stand: what waits (and since when), what was refused, the last error. */
  backlog(streamId: string): DeliveryBacklog;
  /** Delivered (push 202) or acknowledged (poll): removed. */
  remove(streamId: string, jtis: readonly string[]): number;
  /** A transient push failure: tried again at `nextAttemptAt`. */
  reschedule(seq: number, nextAttemptAt: Milliseconds, error: string): void;
  /** Refused by the receiver: kept as failed, never sent again. */
  fail(streamId: string, jti: string, error: string, at: Milliseconds): boolean;
  /** A disabled stream holds nothing (SSF 1.0 §8.1.2): its pending SETs are dropped. */
  dropPending(streamId: string): number;
  /** Deletes failed SETs recorded before `before`. */
  pruneFailed(before: Milliseconds): number;
  /** The outbox seq up to which revocations were turned into SETs; undefined before the first run. */
  cursor(): number | undefined;
  /** Call inside the transaction that queued the SETs up to `seq`. */
  setCursor(seq: number): void;
}

/** See {@link DeliveryQueue.backlog}. */
export interface DeliveryBacklog {
  readonly pending: number;
  /** When the oldest waiting SET was queued (epoch ms); null when none waits. */
  readonly oldestPendingAt: Milliseconds | null;
  /** SETs the receiver refused, kept for the record. */
  readonly failed: number;
  /** The latest push error or refusal, if any. */
  readonly lastError: string | null;
}

interface Row {
  seq: number;
  stream_id: string;
  jti: string;
  set_jwt: string;
  attempts: number;
  next_attempt_at: number;
}

const toQueued = (row: Row): QueuedSet => ({
  seq: row.seq,
  streamId: row.stream_id,
  jti: row.jti,
  setJwt: row.set_jwt,
  attempts: row.attempts,
  nextAttemptAt: row.next_attempt_at,
});

export function createDeliveryQueue(store: AuthorityStore): DeliveryQueue {
  const db = store.db;
  const insert = db.prepare(
    // Typed casts: PostgreSQL cannot infer a parameter's type from an INSERT's SELECT list.
    `INSERT INTO ssf_out_deliveries (stream_id, jti, set_jwt, created_at, next_attempt_at, state)
     SELECT CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT), 'pending'
      WHERE EXISTS (SELECT 1 FROM ssf_out_streams WHERE stream_id = ? AND status <> 'disabled')
     ON CONFLICT DO NOTHING`,
  );
  const pending = db.prepare<[string, number], Row>(
    `SELECT seq, stream_id, jti, set_jwt, attempts, next_attempt_at FROM ssf_out_deliveries
     WHERE stream_id = ? AND state = 'pending' ORDER BY seq LIMIT ?`,
  );
  const count = db.prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM ssf_out_deliveries WHERE stream_id = ? AND state = 'pending'");
  const backlog = db.prepare<[string, string], { pending: number; oldest: number | null; failed: number; last_error: string | null }>(
    `SELECT COUNT(*) FILTER (WHERE state = 'pending') AS pending,
            MIN(created_at) FILTER (WHERE state = 'pending') AS oldest,
            COUNT(*) FILTER (WHERE state = 'failed') AS failed,
            (SELECT last_error FROM ssf_out_deliveries WHERE stream_id = ? AND last_error IS NOT NULL ORDER BY seq DESC LIMIT 1) AS last_error
     FROM ssf_out_deliveries WHERE stream_id = ?`,
  );
  const remove = db.prepare("DELETE FROM ssf_out_deliveries WHERE stream_id = ? AND jti = ? AND state = 'pending'");
  const reschedule = db.prepare('UPDATE ssf_out_deliveries SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE seq = ?');
  const fail = db.prepare(
    "UPDATE ssf_out_deliveries SET attempts = attempts + 1, state = 'failed', last_error = ?, done_at = ? WHERE stream_id = ? AND jti = ? AND state = 'pending'",
  );
  const drop = db.prepare("DELETE FROM ssf_out_deliveries WHERE stream_id = ? AND state = 'pending'");
  const prune = db.prepare("DELETE FROM ssf_out_deliveries WHERE state <> 'pending' AND done_at < ?");
  const getCursor = db.prepare<[], { outbox_seq: number }>('SELECT outbox_seq FROM ssf_out_cursor WHERE id = 1');
  const putCursor = db.prepare('INSERT INTO ssf_out_cursor (id, outbox_seq) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET outbox_seq = excluded.outbox_seq');
  const guard = <T>(what: string, f: () => T): T => {
    try {
      return f();
    } catch (error) {
      throw translateStoreError(error, `cannot ${what} SSF deliveries`);
    }
  };
  return {
    enqueue: (set, now) => insert.run(set.streamId, set.jti, set.setJwt, now, now, set.streamId).changes > 0,
    pending: (streamId, limit) => guard('read', () => pending.all(streamId, limit).map(toQueued)),
    pendingCount: (streamId) => guard('count', () => count.get(streamId)?.n ?? 0),
    backlog: (streamId) =>
      guard('read', () => {
        const row = backlog.get(streamId, streamId)!;
        return { pending: row.pending, oldestPendingAt: row.oldest, failed: row.failed, lastError: row.last_error };
      }),
    remove: (streamId, jtis) =>
      guard('remove', () => store.transaction(() => jtis.reduce((n, jti) => n + remove.run(streamId, jti).changes, 0))),
    reschedule: (seq, nextAttemptAt, error) => guard('reschedule', () => void reschedule.run(nextAttemptAt, error.slice(0, 500), seq)),
    fail: (streamId, jti, error, at) => guard('record', () => fail.run(error.slice(0, 500), at, streamId, jti).changes > 0),
    dropPending: (streamId) => drop.run(streamId).changes,
    pruneFailed: (before) => guard('prune', () => prune.run(before).changes),
    cursor: () => guard('read', () => getCursor.get()?.outbox_seq),
    setCursor: (seq) => void putCursor.run(seq),
  };
}
