import {
  AUDIT_GENESIS_HASH,
  auditCheckpointLine,
  auditEntryLine,
  auditEntrySchema,
  sealAuditEntry,
  verifyAuditChain,
  type Actor,
  type AuditChainVerification,
  type AuditCheckpoint,
  type AuditEntry,
  type AuditExportLine,
} from '@revmesh/contracts';
import { translateStoreError, type AuthorityStore } from '../store/store';
import { systemClock, type Clock } from '../time/clock';
import type { AuditOutcome } from './audit-context';
import type { AuditLog, AuditRecord } from './audit-log';

/** Longest page of {@link AuditTrail.list}. */
export const MAX_AUDIT_PAGE = 1000;

/** The audit log as the rest of the authority reads it (append comes from {@link AuditLog}). */
export interface AuditTrail extends AuditLog {
  /** Entries with `seq > after`, oldest first, at most `limit` (1..{@link MAX_AUDIT_PAGE}). */
  list(after: number, limit: number): AuditEntry[];
  /** The newest retention checkpoint (entries up to its `upToSeq` were purged), or null. */
  latestCheckpoint(): AuditCheckpoint | null;
  /**
   * The export: the newest checkpoint (if any) then every entry, read page by page. While one is
   * being read (until it is exhausted or `return`ed), the retention job does not purge, so the
   * pages stay one consistent chain.
   */
  exportLines(): Generator<AuditExportLine>;
  /** Highest seq ever written (the table's AUTOINCREMENT counter), 0 for none. */
  lastWrittenSeq(): number;
  /** Checks the stored chain (hashes, links, no gaps, nothing missing at the end). */
  verify(): AuditChainVerification;
}

/** What the shipper and the retention job need beyond {@link AuditTrail}. Internal to authority-core. */
export interface AuditLogStore extends AuditTrail {
  /** Up to `limit` entries whose signed copy is not yet in the outbox, oldest first. */
  unshipped(limit: number): AuditEntry[];
  /** Marks an entry shipped; false when it already was (or is gone). Call inside a transaction. */
  markShipped(seq: number, at: number): boolean;
  /**
   * The newest entry with `at < before` that comes before every unshipped entry (what may be
   * purged: an entry not yet copied to the audit topic would be lost for good), or undefined.
   */
  lastBefore(before: number): AuditEntry | undefined;
  /** The entry, or undefined. */
  get(seq: number): AuditEntry | undefined;
  /** Deletes entries up to `upToSeq` and stores the checkpoint. Call inside a transaction. @returns rows deleted. */
  purge(checkpoint: AuditCheckpoint, signerKid: string): number;
  /** Number of entries with `seq <= upToSeq`. */
  countUpTo(upToSeq: number): number;
  /** Exports being read right now (the retention job waits for none). */
  exportsInProgress(): number;
}

export interface AuditLogOptions {
  readonly store: AuthorityStore;
  readonly clock?: Clock;
  /** Called after each append (wakes the shipper; runs after the caller's transaction, on a later tick). */
  readonly onAppended?: () => void;
}

/** A row of `audit_log`. */
export interface AuditRow {
  seq: number;
  at: number;
  action: string;
  outcome: AuditOutcome;
  actor_kind: Actor['kind'];
  actor_id: string;
  role: string | null;
  target: string | null;
  justification: string | null;
  request_id: string | null;
  source_address: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}

/** A row of `audit_checkpoints`. */
export interface CheckpointRow {
  up_to_seq: number;
  last_hash: string;
  at: number;
  count: number;
  signature: string;
}

/** The wire form of a stored row. */
export function auditEntryOf(row: AuditRow): AuditEntry {
  return {
    seq: row.seq,
    at: row.at,
    action: row.action,
    outcome: row.outcome,
    actor: { kind: row.actor_kind, id: row.actor_id },
    role: row.role,
    target: row.target,
    justification: row.justification,
    requestId: row.request_id,
    sourceAddress: row.source_address,
    details: JSON.parse(row.details) as Record<string, unknown>,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** The wire form of a stored checkpoint. */
export function auditCheckpointOf(row: CheckpointRow): AuditCheckpoint {
  return { upToSeq: row.up_to_seq, lastHash: row.last_hash, at: row.at, count: row.count, signature: row.signature };
}

/** SELECT list of an entry. */
export const AUDIT_COLUMNS =
  'seq, at, action, outcome, actor_kind, actor_id, role, target, justification, request_id, source_address, details, prev_hash, hash';

/** Reads the chain of a database (newest checkpoint, then every entry) in pages of 1000. */
export function* readAuditExport(db: AuthorityStore['db']): Generator<AuditExportLine> {
  const checkpoint = db
    .prepare<[], CheckpointRow>('SELECT up_to_seq, last_hash, at, count, signature FROM audit_checkpoints ORDER BY up_to_seq DESC LIMIT 1')
    .get();
  if (checkpoint !== undefined) yield auditCheckpointLine(auditCheckpointOf(checkpoint));
  const page = db.prepare<[number, number], AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?`);
  let after = checkpoint?.up_to_seq ?? 0;
  // A row at or below the checkpoint should not exist; exporting it anyway lets the verifier name it.
  const stray = db.prepare<[], { seq: number }>('SELECT MIN(seq) AS seq FROM audit_log').get();
  if (stray?.seq !== undefined && stray.seq !== null && stray.seq <= after) after = stray.seq - 1;
  for (;;) {
    const rows = page.all(after, 1000);
    for (const row of rows) yield auditEntryLine(auditEntryOf(row));
    if (rows.length < 1000) return;
    after = rows[rows.length - 1]!.seq;
  }
}

/** Highest seq the AUTOINCREMENT counter ever handed out (0 for none). */
export function lastWrittenAuditSeq(db: AuthorityStore['db']): number {
  const row = db.prepare<[], { seq: number }>(db.dialect.autoincrementCounter('audit_log')).get();
  return row?.seq ?? 0;
}

/** `JSON.parse(JSON.stringify(x))`: what the database will hand back, so the hash is computed over that. */
function jsonRoundTrip(details: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  if (details === undefined) return {};
  const copy = JSON.parse(JSON.stringify(details)) as unknown;
  if (typeof copy !== 'object' || copy === null || Array.isArray(copy)) throw new TypeError('audit details must be a JSON object');
  return copy as Record<string, unknown>;
}

/** A UTF-16 surrogate without its other half. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * The text as a TEXT column hands it back: SQLite stores UTF-8, which cannot hold a lone
 * surrogate (e.g. a login name cut mid-emoji), so it is replaced by U+FFFD BEFORE hashing;
 * otherwise the stored entry would no longer match its hash and the chain would read as edited.
 */
function storable<T extends string | null>(text: T): T {
  return (text === null ? null : text.replace(LONE_SURROGATE, '\uFFFD')) as T;
}

/**
 * The `audit_log` table as a hash chain. `append` reads the newest entry (or the newest
 * checkpoint, or the genesis hash) and inserts the next one inside the caller's transaction, or
 * in its own when there is none, so two entries can never claim the same predecessor.
 */
export function createAuditLog(options: AuditLogOptions): AuditLogStore {
  const { store } = options;
  const clock = options.clock ?? systemClock;
  const db = store.db;
  // The newest entry with the AUTOINCREMENT counter in one statement: one round trip per append on PostgreSQL.
  const head = db.prepare<[], { seq: number; hash: string; counter: number | null }>(
    `SELECT seq, hash, (${db.dialect.autoincrementCounter('audit_log')}) AS counter FROM audit_log ORDER BY seq DESC LIMIT 1`,
  );
  const headCheckpoint = db.prepare<[], { seq: number; hash: string }>(
    'SELECT up_to_seq AS seq, last_hash AS hash FROM audit_checkpoints ORDER BY up_to_seq DESC LIMIT 1',
  );
  const counter = db.prepare<[], { seq: number }>(db.dialect.autoincrementCounter('audit_log'));
  const insert = db.prepare(
    `INSERT INTO audit_log (seq, at, action, outcome, actor_kind, actor_id, role, target, justification, request_id, source_address, details, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const page = db.prepare<[number, number], AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?`);
  const one = db.prepare<[number], AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE seq = ?`);
  const unshippedPage = db.prepare<[number], AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE shipped_at IS NULL ORDER BY seq LIMIT ?`);
  const mark = db.prepare('UPDATE audit_log SET shipped_at = ? WHERE seq = ? AND shipped_at IS NULL');
  const lastBefore = db.prepare<[number], AuditRow>(
    `SELECT ${AUDIT_COLUMNS} FROM audit_log
     WHERE at < ? AND NOT EXISTS (SELECT 1 FROM audit_log AS u WHERE u.shipped_at IS NULL AND u.seq <= audit_log.seq)
     ORDER BY seq DESC LIMIT 1`,
  );
  const countUpTo = db.prepare<[number], { n: number }>('SELECT COUNT(*) AS n FROM audit_log WHERE seq <= ?');
  const deleteUpTo = db.prepare('DELETE FROM audit_log WHERE seq <= ?');
  const insertCheckpoint = db.prepare(
    'INSERT INTO audit_checkpoints (up_to_seq, last_hash, at, count, signature, signer_kid) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const latestCheckpoint = db.prepare<[], CheckpointRow>(
    'SELECT up_to_seq, last_hash, at, count, signature FROM audit_checkpoints ORDER BY up_to_seq DESC LIMIT 1',
  );

  let exporting = 0;
  function* exportLines(): Generator<AuditExportLine> {
    exporting += 1;
    try {
      yield* readAuditExport(db);
    } finally {
      exporting -= 1;
    }
  }

  const read = <T>(what: string, fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      throw translateStoreError(error, `cannot read the audit log (${what})`);
    }
  };

  const appendNow = (input: Parameters<AuditLog['append']>[0]): AuditRecord => {
    const newest = head.get();
    const previous = newest ?? headCheckpoint.get() ?? { seq: 0, hash: AUDIT_GENESIS_HASH };
    // Never reuse a seq, even one whose row was deleted behind our back: the gap stays visible.
    const seq = Math.max(previous.seq, (newest === undefined ? counter.get()?.seq : newest.counter) ?? 0) + 1;
    const { context } = input;
    const checked = auditEntrySchema.safeParse(
      sealAuditEntry({
        seq,
        at: clock.now(),
        action: storable(input.action),
        outcome: input.outcome,
        actor: { kind: context.actor.kind, id: storable(context.actor.id) },
        role: storable(context.role),
        target: storable(input.target),
        justification: storable(context.justification),
        requestId: storable(context.requestId),
        sourceAddress: storable(context.sourceAddress),
        details: jsonRoundTrip(input.details),
        prevHash: previous.hash,
      }),
    );
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw new TypeError(`invalid audit entry ${input.action}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim());
    }
    const entry = checked.data;
    insert.run(
      entry.seq,
      entry.at,
      entry.action,
      entry.outcome,
      entry.actor.kind,
      entry.actor.id,
      entry.role,
      entry.target,
      entry.justification,
      entry.requestId,
      entry.sourceAddress,
      JSON.stringify(entry.details),
      entry.prevHash,
      entry.hash,
    );
    return {
      seq: entry.seq,
      at: entry.at,
      action: entry.action,
      outcome: entry.outcome,
      target: entry.target,
      context,
      details: entry.details,
      prevHash: entry.prevHash,
      hash: entry.hash,
    };
  };

  const log: AuditLogStore = {
    append(input) {
      const record = db.inTransaction ? appendNow(input) : store.transaction(() => appendNow(input));
      if (options.onAppended !== undefined) {
        // After the caller's transaction: an entry it rolls back is simply not found unshipped.
        const notify = options.onAppended;
        setImmediate(() => notify());
      }
      return record;
    },
    list(after, limit) {
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_PAGE) throw new TypeError(`limit must be 1..${MAX_AUDIT_PAGE}`);
      if (!Number.isInteger(after) || after < 0) throw new TypeError('after must be a non-negative integer');
      return read('page', () => page.all(after, limit).map(auditEntryOf));
    },
    latestCheckpoint() {
      return read('checkpoint', () => {
        const row = latestCheckpoint.get();
        return row === undefined ? null : auditCheckpointOf(row);
      });
    },
    exportLines,
    lastWrittenSeq: () => read('counter', () => lastWrittenAuditSeq(db)),
    verify() {
      return read('verify', () => verifyAuditChain([...readAuditExport(db)], { expectedLastSeq: lastWrittenAuditSeq(db) }));
    },
    unshipped: (limit) => read('unshipped', () => unshippedPage.all(limit).map(auditEntryOf)),
    markShipped: (seq, at) => mark.run(at, seq).changes === 1,
    lastBefore(before) {
      const row = read('purge', () => lastBefore.get(before));
      return row === undefined ? undefined : auditEntryOf(row);
    },
    get(seq) {
      const row = read('entry', () => one.get(seq));
      return row === undefined ? undefined : auditEntryOf(row);
    },
    purge(checkpoint, signerKid) {
      const deleted = deleteUpTo.run(checkpoint.upToSeq).changes;
      insertCheckpoint.run(checkpoint.upToSeq, checkpoint.lastHash, checkpoint.at, checkpoint.count, checkpoint.signature, signerKid);
      return deleted;
    },
    countUpTo: (upToSeq) => read('count', () => countUpTo.get(upToSeq)?.n ?? 0),
    exportsInProgress: () => exporting,
  };
  return log;
}
