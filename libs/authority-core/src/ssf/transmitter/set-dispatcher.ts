import { randomUUID } from 'node:crypto';
import type { Actor, RevocationTarget } from '@revmesh/contracts';
import type { AuthorityLogger } from '../../logging/logger';
import { backoffDelay, type BackoffOptions } from '../../outbox/backoff';
import { createWakeSignal } from '../../outbox/wake-signal';
import type { AuthorityStore } from '../../store/store';
import type { Clock, Milliseconds, Sleep } from '../../time/clock';
import { createMutex } from '../../util/mutex';
import type { DeliveryQueue } from './delivery-queue';
import { pushSet, type PushFetch } from './push-set';
import { revocationEvents, setClaims, type TransmittedRevocation } from './revocation-sets';
import type { SetSigningKey } from './set-signing-key';
import { eventsDelivered } from './stream-view';
import type { StoredStream, StreamStore } from './stream-store';

/** Retry schedule of failed pushes: 1 s doubling up to 5 min (with jitter), for as long as the stream exists. */
export const DEFAULT_PUSH_BACKOFF: Required<BackoffOptions> = { initialMs: 1_000, maxMs: 300_000, multiplier: 2 };

export interface SetDispatcherOptions {
  readonly issuer: string;
  readonly store: AuthorityStore;
  readonly streams: StreamStore;
  readonly queue: DeliveryQueue;
  readonly key: SetSigningKey;
  readonly clock: Clock;
  readonly logger: AuthorityLogger;
  readonly fetch: PushFetch;
  /** How often new revocations are looked for and due pushes sent, ms. */
  readonly intervalMs: Milliseconds;
  /** Longest wait for a receiver's answer to one push, ms. */
  readonly pushTimeoutMs: Milliseconds;
  readonly backoff: Required<BackoffOptions>;
  /** Called with the streams that got new SETs (wakes their long polls). */
  readonly onQueued: (streamIds: ReadonlySet<string>) => void;
}

/** Revocations → queued SETs → pushes. Runs beside the Kafka relay, never in its way. */
export interface SetDispatcher {
  /** Turns revocations committed since the last run into SETs for every receiving stream. @returns how many SETs were queued. */
  queueRevocations(): Promise<number>;
  /** Starts pushes that are due, one drain per stream at a time; resolves when they are done. */
  pushDue(): Promise<void>;
  /** Runs both every `intervalMs` (and at once on `notify`). */
  start(): void;
  /** There is something new to queue or push. */
  notify(): void;
  /** Stops the loop and waits for pushes in flight. */
  stop(): Promise<void>;
}

/** What a SET says of a revocation; nothing of its rule window. */
interface RevocationRow {
  seq: number;
  id: string;
  target_type: RevocationTarget['type'];
  target_value: string;
  iss: string | null;
  reason: string;
  actor_kind: Actor['kind'];
  actor_id: string;
  revoked_at: number;
}

/**
 * The loop's pause: real time, never the injected clock (a test clock that jumps on every sleep
 * would spin the loop), and unref'd so an idle dispatcher never keeps a process alive.
 */
const loopSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    timer.unref();
    signal?.addEventListener('abort', done, { once: true });
  });

/** Longest the cursor stays unwritten while no SET is queued, ms. */
const CURSOR_WRITE_INTERVAL_MS = 5_000;
/** Revocations read per run. */
const BATCH = 200;
/** SETs pushed per stream before the stream's queue is read again. */
const PUSH_BATCH = 50;
/** Failed SETs are kept this long for the record. */
const FAILED_RETENTION_MS = 7 * 24 * 3600 * 1000;

function transmitted(row: RevocationRow): TransmittedRevocation {
  const { id, reason, revoked_at: revokedAt } = row;
  const iss = row.iss ?? undefined;
  return { id, reason, revokedAt, iss, target: { type: row.target_type, value: row.target_value }, actor: { kind: row.actor_kind, id: row.actor_id } };
}

/**
 * The delivery side of the transmitter. It follows the outbox (by `seq`, so it sees every
 * revocation exactly in commit order and survives restarts through `ssf_out_cursor`), never
 * the broker: a receiver that is down, slow or gone only ever delays its own SETs, and a broker
 * that is down never delays SETs. SETs are signed, then written with the cursor in one
 * transaction; pushes read them back from the queue.
 *
 * Per stream, pushes go in queue order: a failed push is retried (capped exponential backoff)
 * before anything queued after it, so a receiver sees our events in the order we accepted them.
 */
export function createSetDispatcher(options: SetDispatcherOptions): SetDispatcher {
  const { issuer, store, streams, queue, key, clock, logger } = options;
  const db = store.db;
  const maxSeq = db.prepare<[], { seq: number | null }>('SELECT MAX(seq) AS seq FROM outbox');
  const revocationsAfter = db.prepare<[number, number, number], RevocationRow>(
    `SELECT o.seq, r.id, r.target_type, r.target_value, r.iss, r.reason, r.actor_kind, r.actor_id, r.revoked_at
     FROM outbox o JOIN revocations r ON r.id = o.revocation_id
     WHERE o.seq > ? AND o.seq <= ? ORDER BY o.seq LIMIT ?`,
  );
  const wake = createWakeSignal(loopSleep);
  const inFlight = new Map<string, Promise<void>>();
  let stopping: AbortController | undefined;
  let loop: Promise<void> | undefined;
  let lastPrune = 0;

  // One run at a time (the loop and a caller's runOnce): two runs over one cursor would sign each revocation twice.
  const queueing = createMutex();

  // First open ever: receivers subscribe to what happens from now on, not to the history.
  if (queue.cursor() === undefined) store.transaction(() => queue.setCursor(maxSeq.get()?.seq ?? 0));

  // Held in memory, written with the SETs it produced, otherwise at most every few seconds: a
  // cursor write per commit would cost the revocation path an fsync each time. Rows re-read after
  // a crash produced no SET (or their SETs were written with the cursor), so reading them again
  // queues nothing new.
  let cursor = queue.cursor() ?? 0;
  let cursorWrittenAt = clock.now();

  async function queueNewRevocations(): Promise<number> {
    const upTo = maxSeq.get()?.seq ?? 0;
    if (upTo <= cursor) return 0;
    // Read in the same synchronous turn as `upTo`: a stream created later hears only of later rows.
    const receiving = streams.listReceiving();
    // No stream receiving: no row up to `upTo` yields a SET, so none is read (bulk revocations
    // would otherwise cost a join per row here).
    const rows = receiving.length === 0 ? [] : revocationsAfter.all(cursor, upTo, BATCH);
    // Fewer than a batch: nothing else up to `upTo` is a revocation, so the cursor skips the rest.
    const nextCursor = rows.length < BATCH ? upTo : rows[rows.length - 1]!.seq;
    const sets: { streamId: string; jti: string; setJwt: string }[] = [];
    const iat = Math.floor(clock.now() / 1000);
    for (const row of rows) {
      const revocation = transmitted(row);
      const events = revocationEvents(revocation, issuer);
      for (const stream of receiving) {
        // A stream hears of what was accepted after it was created.
        if (revocation.revokedAt < stream.createdAt) continue;
        const delivered = eventsDelivered(stream);
        for (const event of events) {
          if (!delivered.includes(event.type)) continue;
          const jti = randomUUID();
          const setJwt = await key.sign(setClaims({ issuer, aud: stream.aud, jti, iatSeconds: iat, type: event.type, subject: event.subject, members: event.members, txn: event.txn }));
          sets.push({ streamId: stream.streamId, jti, setJwt });
        }
      }
    }
    const now = clock.now();
    const touched = new Set<string>();
    if (sets.length > 0 || now - cursorWrittenAt >= CURSOR_WRITE_INTERVAL_MS) {
      store.transaction(() => {
        for (const set of sets) if (queue.enqueue(set, now)) touched.add(set.streamId);
        queue.setCursor(nextCursor);
      });
      cursorWrittenAt = now;
    }
    cursor = nextCursor;
    if (touched.size > 0) options.onQueued(touched);
    return sets.length;
  }

  const queueRevocations = (): Promise<number> => queueing.run(queueNewRevocations);

  async function drain(streamId: string): Promise<void> {
    for (;;) {
      const stream: StoredStream | undefined = streams.get(streamId);
      if (stream === undefined || stream.status !== 'enabled' || stream.delivery.method !== 'urn:ietf:rfc:8935') return;
      const batch = queue.pending(streamId, PUSH_BATCH);
      for (const set of batch) {
        if (stopping?.signal.aborted || set.nextAttemptAt > clock.now()) return;
        const outcome = await pushSet(options.fetch, stream.delivery, set.setJwt, options.pushTimeoutMs);
        if (outcome.kind === 'delivered') {
          queue.remove(streamId, [set.jti]);
        } else if (outcome.kind === 'refused') {
          queue.fail(streamId, set.jti, `${outcome.err}: ${outcome.description}`, clock.now());
          logger.warn('SSF receiver refused a SET', { streamId, jti: set.jti, err: outcome.err });
        } else {
          const delay = backoffDelay(set.attempts, options.backoff);
          queue.reschedule(set.seq, clock.now() + delay, outcome.error);
          logger.warn('SSF push failed; will retry', { streamId, jti: set.jti, attempt: set.attempts + 1, retryInMs: delay, error: outcome.error });
          return;
        }
      }
      if (batch.length < PUSH_BATCH) return;
    }
  }

  async function pushDue(): Promise<void> {
    const now = clock.now();
    if (now - lastPrune > 60_000) {
      lastPrune = now;
      queue.pruneFailed(now - FAILED_RETENTION_MS);
    }
    for (const stream of streams.listReceiving()) {
      if (stream.status !== 'enabled' || stream.delivery.method !== 'urn:ietf:rfc:8935' || inFlight.has(stream.streamId)) continue;
      const head = queue.pending(stream.streamId, 1)[0];
      if (head === undefined || head.nextAttemptAt > now) continue;
      const drained = drain(stream.streamId)
        .catch((error: unknown) => logger.error('SSF push drain failed', { streamId: stream.streamId, error: String(error) }))
        .finally(() => inFlight.delete(stream.streamId));
      inFlight.set(stream.streamId, drained);
    }
    await Promise.all(inFlight.values());
  }

  return {
    queueRevocations,
    pushDue,
    notify: () => wake.notify(),
    start() {
      if (loop !== undefined) return;
      const controller = new AbortController();
      stopping = controller;
      loop = (async () => {
        while (!controller.signal.aborted) {
          try {
            await queueRevocations();
            // Not awaited: a slow receiver must not hold back queueing for the others.
            pushDue().catch((error: unknown) => logger.error('SSF pushes failed; retrying', { error: String(error) }));
          } catch (error) {
            logger.error('SSF dispatcher run failed; retrying', { error: String(error) });
          }
          await wake.wait(options.intervalMs, controller.signal);
        }
      })();
    },
    async stop() {
      stopping?.abort();
      await loop;
      await Promise.all(inFlight.values());
      loop = undefined;
    },
  };
}
