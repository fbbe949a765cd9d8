import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { AuditCopies } from '../audit/audit-copies';
import { logErrorFields } from '../logging/log-fields';
import { silentLogger, type AuthorityLogger } from '../logging/logger';
import type { AuthorityStore } from '../store/store';
import type { Clock, Milliseconds } from '../time/clock';
import { createIntervalJob } from '../time/interval-job';
import { DEFAULT_STORE_RETENTION, validateStoreRetention, type StoreRetentionPeriods } from './retention-periods';

/** What one run deleted. */
export interface StoreRetentionResult {
  /** Expired revocations deleted (with their announcing outbox row). */
  readonly revocations: number;
  /** Published outbox rows deleted: announcements of those revocations, re-signed copies, alerts. */
  readonly outboxRows: number;
  /** Signed audit copies of entries the audit retention already purged (published after the purge). */
  readonly auditCopies: number;
  /** Sidecar acks deleted: of deleted events, of deleted instances, or of events the store never held. */
  readonly acks: number;
  /** Sidecar instances gone for longer than their retention. */
  readonly instances: number;
  /** Sessions ended (or past their absolute end) for longer than the revocation retention, with their refresh tokens. */
  readonly sessions: number;
}

/** The store's retention job. */
export interface StoreRetention {
  /** Prunes what is past its retention now. One run at a time: a second call joins the first. */
  runOnce(): Promise<StoreRetentionResult>;
  /** Runs {@link runOnce} now and every `intervalMs` (errors logged). Idempotent. */
  start(): void;
  stop(): void;
  /** The periods in force. */
  readonly periods: StoreRetentionPeriods;
}

export interface StoreRetentionOptions {
  readonly store: AuthorityStore;
  readonly clock: Clock;
  /** Partial periods complete {@link DEFAULT_STORE_RETENTION}; validated. */
  readonly periods?: Partial<StoreRetentionPeriods>;
  /** Signed audit copies: those of purged entries still in the outbox (published after the purge) are pruned too. */
  readonly auditCopies: Pick<AuditCopies, 'purgedCopies'>;
  /** Seq up to which the audit retention purged entries (its latest checkpoint), or null. */
  readonly auditPurgedUpTo: () => number | null;
  readonly logger?: AuthorityLogger;
  /** How often {@link StoreRetention.start} runs the job, ms. Default 10 minutes. */
  readonly intervalMs?: Milliseconds;
  /**
   * Rows deleted per transaction; the job yields to the event loop between batches, so a large
   * backlog never holds the writer (revocations wait on it) for long. Default 1000.
   */
  readonly batchSize?: number;
}

interface Counts {
  revocations: number;
  outboxRows: number;
  auditCopies: number;
  acks: number;
  instances: number;
  sessions: number;
}

/**
 * Keeps the store bounded under a sustained revocation stream: once past the retention, what is
 * deleted per interval matches what is written, so row counts and the file size stay flat (SQLite
 * reuses freed pages). Nothing enforcement or audit still needs is touched: unpublished outbox
 * rows, live revocations, key events (the keys topic's history), audit entries and their copies
 * (the audit retention's business) stay.
 */
export function createStoreRetention(options: StoreRetentionOptions): StoreRetention {
  const { store, clock, auditCopies } = options;
  const periods = validateStoreRetention({ ...DEFAULT_STORE_RETENTION, ...options.periods });
  const logger = options.logger ?? silentLogger;
  const batchSize = options.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new TypeError('batchSize must be a positive integer');
  const db = store.db;

  // One still waiting for the broker stays (nothing unpublished is deleted), however old.
  const expiredRevocations = db.prepare<[number, number], { id: string }>(
    `SELECT id FROM revocations r
     WHERE expires_at < ? AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.revocation_id = r.id AND o.published_at IS NULL)
     ORDER BY expires_at LIMIT ?`,
  );
  const eventsOfRevocation = db.prepare<[string], { seq: number; event_id: string }>('SELECT seq, event_id FROM outbox WHERE revocation_id = ?');
  const deleteRevocation = db.prepare<[string]>('DELETE FROM revocations WHERE id = ?');
  // The outbox_published_unowned index (migration 11), named: left alone, the planner prefers
  // outbox_by_revocation for `revocation_id IS NULL`, which also walks every audit copy.
  // Key events keep their rows.
  const unownedPublished = db.prepare<[number, number], { seq: number; event_id: string }>(
    `SELECT seq, event_id FROM outbox ${db.dialect.indexedBy('outbox_published_unowned')}
     WHERE published_at IS NOT NULL AND revocation_id IS NULL AND record_key NOT LIKE 'audit:%' AND published_at < ?
       AND NOT EXISTS (SELECT 1 FROM key_events k WHERE k.event_id = outbox.event_id)
     ORDER BY published_at LIMIT ?`,
  );
  const deleteOutboxRow = db.prepare<[number]>('DELETE FROM outbox WHERE seq = ?');
  const deleteAcksOfEvent = db.prepare<[string]>('DELETE FROM sidecar_acks WHERE event_id = ?');
  const goneInstances = db.prepare<[number, number], { instance_id: string }>('SELECT instance_id FROM sidecar_instances WHERE last_heartbeat_at < ? LIMIT ?');
  const deleteAcksOfInstance = db.prepare<[string]>('DELETE FROM sidecar_acks WHERE instance_id = ?');
  const deleteInstance = db.prepare<[string]>('DELETE FROM sidecar_instances WHERE instance_id = ?');
  // A session's refresh tokens can do nothing once it ended or passed its absolute end; its sid
  // rule (if any) expired long before the same retention ran out. Kept as long as revocations.
  const overSessions = db.prepare<[number, number, number, number], { sid: string }>(
    `SELECT sid FROM (SELECT sid FROM sessions WHERE ended_at < ? LIMIT ?) AS ended UNION SELECT sid FROM (SELECT sid FROM sessions WHERE expires_at < ? LIMIT ?) AS expired`,
  );
  const deleteRefreshTokens = db.prepare<[string]>('DELETE FROM refresh_tokens WHERE sid = ?');
  const deleteSession = db.prepare<[string]>('DELETE FROM sessions WHERE sid = ?');
  const acksAfter = db.prepare<[number, number], { rowid: number; event_id: string }>('SELECT rowid, event_id FROM sidecar_acks WHERE rowid > ? ORDER BY rowid LIMIT ?');
  const eventKnown = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM outbox WHERE event_id = ?');
  const deleteAck = db.prepare<[number]>('DELETE FROM sidecar_acks WHERE rowid = ?');

  /**
   * Acks are checked once, in arrival (rowid) order: one whose event has no outbox row is of an
   * event already pruned (a sidecar re-reading the compacted topic) or never ours. Later, acks go
   * with their event or their instance. The cursor is in memory: a restart checks them all again.
   */
  let ackCursor = 0;

  /**
   * Reads up to `batchSize` candidates, deletes them in one transaction (none when there is
   * nothing to delete: an idle run writes nothing), and goes on while batches come back full.
   * Deletes are by key and idempotent, so a row gone between the read and the delete is harmless.
   */
  async function drain<R>(select: () => R[], remove: (rows: readonly R[]) => void): Promise<void> {
    for (;;) {
      const rows = select();
      if (rows.length > 0) store.transaction(() => remove(rows));
      if (rows.length < batchSize) return;
      await yieldToEventLoop();
    }
  }

  async function prune(): Promise<StoreRetentionResult> {
    const now = clock.now();
    const counts: Counts = { revocations: 0, outboxRows: 0, auditCopies: 0, acks: 0, instances: 0, sessions: 0 };
    const deleteEvent = (seq: number, eventId: string): void => {
      counts.acks += deleteAcksOfEvent.run(eventId).changes;
      counts.outboxRows += deleteOutboxRow.run(seq).changes;
    };

    await drain(
      () => expiredRevocations.all(now - periods.expiredRevocationMs, batchSize),
      (ids) => {
        for (const { id } of ids) {
          // Announcing row first: it references the revocation.
          for (const event of eventsOfRevocation.all(id)) deleteEvent(event.seq, event.event_id);
          counts.revocations += deleteRevocation.run(id).changes;
        }
      },
    );
    await drain(
      () => unownedPublished.all(now - periods.publishedOutboxMs, batchSize),
      (rows) => rows.forEach((row) => deleteEvent(row.seq, row.event_id)),
    );
    const purgedUpTo = options.auditPurgedUpTo();
    if (purgedUpTo !== null) {
      await drain(
        () => auditCopies.purgedCopies(purgedUpTo, batchSize),
        (seqs) => seqs.forEach((seq) => (counts.auditCopies += deleteOutboxRow.run(seq).changes)),
      );
    }
    await drain(
      () => goneInstances.all(now - periods.goneInstanceMs, batchSize),
      (gone) => {
        for (const { instance_id: id } of gone) {
          counts.acks += deleteAcksOfInstance.run(id).changes;
          counts.instances += deleteInstance.run(id).changes;
        }
      },
    );
    const sessionsBefore = now - periods.expiredRevocationMs;
    await drain(
      () => overSessions.all(sessionsBefore, batchSize, sessionsBefore, batchSize).slice(0, batchSize),
      (rows) => {
        for (const { sid } of rows) {
          deleteRefreshTokens.run(sid);
          counts.sessions += deleteSession.run(sid).changes;
        }
      },
    );
    for (;;) {
      const acks = acksAfter.all(ackCursor, batchSize);
      const orphans = acks.filter((ack) => eventKnown.get(ack.event_id) === undefined);
      if (orphans.length > 0) store.transaction(() => orphans.forEach((ack) => (counts.acks += deleteAck.run(ack.rowid).changes)));
      if (acks.length > 0) ackCursor = acks[acks.length - 1]!.rowid;
      if (acks.length < batchSize) break;
      await yieldToEventLoop();
    }
    return { ...counts };
  }

  const job = createIntervalJob({
    intervalMs: options.intervalMs ?? 600_000,
    run: prune,
    onResult: (result) => {
      if (Object.values(result).some((n) => n > 0)) logger.info('store: pruned rows past retention', { ...result });
    },
    onError: (error) => logger.error('store: retention run failed', logErrorFields(error)),
  });
  return { ...job, periods };
}
