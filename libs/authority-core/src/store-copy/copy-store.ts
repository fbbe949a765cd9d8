import Database from 'better-sqlite3';
import { performance } from 'node:perf_hooks';
import { verifyAuditChain } from '@revmesh/contracts';
import { lastWrittenAuditSeq, readAuditExport } from '../audit/audit-store';
import { verifyAuditDatabase, type AuditStoreVerification } from '../audit/verify-audit-store';
import { AuthorityError, StoreCopyRefusedError, StoreCopyUnverifiedError, StoreError } from '../errors/errors';
import { migrate } from '../store/migrate';
import { MIGRATIONS } from '../store/migrations';
import type { SqlConnection } from '../store/sql-connection';
import { sqliteConnection } from '../store/sqlite-connection';
import { copyOrder } from './copy-order';
import { applyCounters, readCounters } from './counters';
import { quoteIdentifier, readCatalog, type ColumnInfo, type ColumnKind, type StoreCatalog, type TableInfo } from './table-catalog';

/** Default rows per INSERT statement. */
export const DEFAULT_COPY_BATCH_ROWS = 500;
/** PostgreSQL allows 65535 parameters per statement; a batch stays well under it. */
const MAX_PARAMETERS = 30_000;

export interface StoreCopyOptions {
  /** The SQLite store to copy from, opened read-only, with no authority writing to it. */
  readonly source: SqlConnection;
  /** The store to copy into, migrated to the source's schema version and holding no data yet. */
  readonly target: SqlConnection;
  /** Rows per INSERT. Default {@link DEFAULT_COPY_BATCH_ROWS}. */
  readonly batchRows?: number;
  /** Called after each table is copied (inside the transaction, before the checks). */
  readonly onTable?: (table: TableCopySummary) => void;
}

/** One table of a copy. */
export interface TableCopySummary {
  readonly table: string;
  readonly rows: number;
  /** Wall time to read and insert its rows, in milliseconds. */
  readonly ms: number;
}

/** What {@link copyStore} did and checked. */
export interface StoreCopySummary {
  readonly schemaVersion: number;
  /** In copy order (every table after the tables it references). */
  readonly tables: readonly TableCopySummary[];
  readonly rows: number;
  /** Wall time of the whole copy (transaction, checks, verification), in milliseconds. */
  readonly ms: number;
  /** Of which the transaction: reading, inserting, row counts and chain check up to the commit. */
  readonly copyMs: number;
  /** The target's audit log, verified after the commit exactly as `npm run audit:verify` does. */
  readonly audit: AuditStoreVerification;
}

/**
 * Copies every row of an authority store into another (SQLite to PostgreSQL in practice) in ONE
 * transaction on the target, so a failure leaves the target as it was:
 *
 * 1. refuses (StoreCopyRefusedError, nothing written) when the two schema versions differ, when a
 *    table or column of one is missing from the other, or when the target holds anything beyond
 *    the rows its migrations seed;
 * 2. copies the tables in foreign-key order, each in primary-key order, in multi-row INSERTs of
 *    `batchRows`, converting only what the engines spell differently (booleans, blobs), and
 *    carries the AUTOINCREMENT counters over;
 * 3. before committing, checks each table's row count against the source and the audit log's hash
 *    chain on the target; a difference rolls everything back (StoreCopyUnverifiedError, committed false);
 * 4. after the commit, verifies the target's audit log like `audit:verify` (chain, checkpoint
 *    signature, signed copies); a failure there is a StoreCopyUnverifiedError with committed true.
 *
 * @throws {StoreCopyRefusedError} see 1.
 * @throws {StoreCopyUnverifiedError} see 3 and 4.
 */
export async function copyStore(options: StoreCopyOptions): Promise<StoreCopySummary> {
  const started = performance.now();
  const { source, target } = options;
  const batchRows = options.batchRows ?? DEFAULT_COPY_BATCH_ROWS;
  if (!Number.isInteger(batchRows) || batchRows < 1) throw new TypeError(`batchRows must be a positive integer, got ${batchRows}`);

  const from = readCatalog(source);
  const to = readCatalog(target);
  const tables = matchSchemas(from, to, source.engine === 'sqlite');
  const seeded = seededRowCounts(from.schemaVersion);
  const counters = readCounters(source);

  const copied = target.transaction(() => {
    refuseNonEmpty(target, tables, seeded);
    // The rows the migrations seeded (key_set's single row...) are replaced by the source's.
    for (const table of [...tables].reverse()) target.exec(`DELETE FROM ${quoteIdentifier(table.name)}`);
    setUserTriggers(target, tables, false);
    const summaries = tables.map((table) => {
      const summary = copyTableOrExplain(source, target, table, from.tables.get(table.name)!, batchRows);
      options.onTable?.(summary);
      return summary;
    });
    setUserTriggers(target, tables, true);
    applyCounters(target, tables, counters);
    checkRowCounts(source, target, summaries);
    const chain = verifyAuditChain([...readAuditExport(target)], { expectedLastSeq: lastWrittenAuditSeq(target) });
    if (!chain.ok) {
      throw new StoreCopyUnverifiedError(
        `the audit log copied to the target does not verify (${chain.problem}${chain.seq === null ? '' : ` at entry ${chain.seq}`}: ${chain.detail}); ` +
          'the copy was rolled back. The source has the same problem: check it with npm run audit:verify -- --data-dir <folder>',
        false,
      );
    }
    return summaries;
  });

  const copyMs = performance.now() - started;
  const audit = await verifyAuditDatabase(target);
  const problem = auditProblem(audit);
  if (problem !== undefined) {
    throw new StoreCopyUnverifiedError(`the target holds the copy, but its audit log does not verify: ${problem}; drop the target database before copying again`, true);
  }
  return {
    schemaVersion: from.schemaVersion,
    tables: copied,
    rows: copied.reduce((sum, t) => sum + t.rows, 0),
    ms: performance.now() - started,
    copyMs,
    audit,
  };
}

/**
 * SQLite's implicit `rowid`, which the PostgreSQL schema spells out as an identity column where the
 * repositories page by it: copied from the source's rowid, so the order of rows is kept.
 */
const ROWID = 'rowid';

/** The tables to copy, in copy order, as the TARGET describes them; refuses schemas that differ. */
function matchSchemas(from: StoreCatalog, to: StoreCatalog, sourceHasRowid: boolean): TableInfo[] {
  if (from.schemaVersion !== to.schemaVersion) {
    throw new StoreCopyRefusedError(
      `the source's schema is at version ${from.schemaVersion} and the target's at ${to.schemaVersion}: ` +
        (from.schemaVersion < to.schemaVersion
          ? 'start this version of the authority once on the source folder (it migrates on start), stop it, then copy'
          : 'the source was written by a newer authority; copy with that version'),
    );
  }
  const problems: string[] = [];
  for (const name of from.tables.keys()) if (!to.tables.has(name)) problems.push(`table ${name} is missing from the target`);
  for (const name of to.tables.keys()) if (!from.tables.has(name)) problems.push(`table ${name} is missing from the source`);
  for (const [name, table] of from.tables) {
    const other = to.tables.get(name);
    if (other === undefined) continue;
    const theirs = new Set(other.columns.map((c) => c.name));
    const ours = new Set(table.columns.map((c) => c.name));
    for (const column of ours) if (!theirs.has(column)) problems.push(`column ${name}.${column} is missing from the target`);
    for (const column of theirs) {
      if (!ours.has(column) && !(column === ROWID && sourceHasRowid)) problems.push(`column ${name}.${column} is missing from the source`);
    }
  }
  if (problems.length > 0) {
    throw new StoreCopyRefusedError(`the schemas differ although both are at version ${from.schemaVersion}: ${problems.join('; ')}`);
  }
  return copyOrder([...from.tables.values()]).map((name) => to.tables.get(name)!);
}

/** Rows per table that the migrations up to `version` insert by themselves (in a fresh SQLite database). */
function seededRowCounts(version: number): Map<string, number> {
  const fresh = new Database(':memory:');
  try {
    const connection = sqliteConnection(fresh);
    migrate(
      connection,
      MIGRATIONS.filter((m) => m.version <= version),
      () => 0,
    );
    const counts = new Map<string, number>();
    for (const table of readCatalog(connection).tables.values()) {
      counts.set(table.name, countRows(connection, table.name));
    }
    return counts;
  } finally {
    fresh.close();
  }
}

function refuseNonEmpty(target: SqlConnection, tables: readonly TableInfo[], seeded: ReadonlyMap<string, number>): void {
  const full = tables.flatMap((table) => {
    const rows = countRows(target, table.name);
    return rows > (seeded.get(table.name) ?? 0) ? [`${table.name} (${rows} rows)`] : [];
  });
  if (full.length > 0) {
    throw new StoreCopyRefusedError(
      `the target already holds data in ${full.join(', ')}; copy into a new, empty database (createdb), never over one an authority has used`,
    );
  }
}

function countRows(db: SqlConnection, table: string): number {
  return Number(db.prepare<[], unknown>(`SELECT COUNT(*) FROM ${quoteIdentifier(table)}`).pluck().get());
}

/** {@link copyTable}, with a refusal by the target (a value it cannot hold, a constraint) named by table. */
function copyTableOrExplain(source: SqlConnection, target: SqlConnection, table: TableInfo, sourceTable: TableInfo, batchRows: number): TableCopySummary {
  try {
    return copyTable(source, target, table, sourceTable, batchRows);
  } catch (error) {
    if (error instanceof AuthorityError || error instanceof TypeError) throw error;
    // Duck-typed: better-sqlite3's SqliteError may come from another realm (see isUniqueViolation).
    const message = typeof (error as { message?: unknown } | null)?.message === 'string' ? (error as { message: string }).message : String(error);
    throw new StoreError(`cannot copy table ${table.name}: ${message}; the copy was rolled back`, { cause: error });
  }
}

function copyTable(source: SqlConnection, target: SqlConnection, table: TableInfo, sourceTable: TableInfo, batchRows: number): TableCopySummary {
  const started = performance.now();
  const columns = table.columns;
  const list = columns.map((c) => quoteIdentifier(c.name)).join(', ');
  const inSource = new Set(sourceTable.columns.map((c) => c.name));
  // A target column the source lacks is its implicit rowid (matchSchemas let nothing else through).
  const selectList = columns.map((c) => (inSource.has(c.name) ? quoteIdentifier(c.name) : ROWID)).join(', ');
  const order = sourceTable.primaryKey.length > 0 ? sourceTable.primaryKey.map(quoteIdentifier).join(', ') : source.engine === 'sqlite' ? ROWID : undefined;
  const select = source.prepare<[], unknown[]>(`SELECT ${selectList} FROM ${quoteIdentifier(table.name)}${order === undefined ? '' : ` ORDER BY ${order}`}`);
  // Rows as arrays in column order: no object per row.
  select.raw();

  const perInsert = Math.max(1, Math.min(batchRows, Math.floor(MAX_PARAMETERS / columns.length)));
  const overriding = columns.some((c) => c.generatedAlways) ? ' OVERRIDING SYSTEM VALUE' : '';
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const insertSql = (rows: number) => `INSERT INTO ${quoteIdentifier(table.name)} (${list})${overriding} VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}`;
  const fullBatch = target.prepare<unknown[]>(insertSql(perInsert));
  const convert = columns.map((c) => converter(c));
  const links = selfLinks(target, table);

  let pending: unknown[] = [];
  let pendingRows = 0;
  let rows = 0;
  for (const row of select.iterate()) {
    for (let i = 0; i < columns.length; i += 1) pending.push(links.deferred.has(i) ? null : convert[i]!(row[i]));
    links.remember(row, convert);
    pendingRows += 1;
    if (pendingRows === perInsert) {
      fullBatch.run(...pending);
      rows += pendingRows;
      pending = [];
      pendingRows = 0;
    }
  }
  if (pendingRows > 0) {
    target.prepare<unknown[]>(insertSql(pendingRows)).run(...pending);
    rows += pendingRows;
  }
  links.apply();
  return { table: table.name, rows, ms: performance.now() - started };
}

/**
 * Columns referencing the table's own rows (rotations: rollback_of, and rolled_back_by, which
 * points at a LATER row) cannot be inserted as they are when the rows they name come in a later
 * batch: they are inserted as NULL, remembered, and set by one UPDATE per row once every row is in.
 */
function selfLinks(
  target: SqlConnection,
  table: TableInfo,
): { readonly deferred: ReadonlySet<number>; remember(row: readonly unknown[], convert: readonly ((value: unknown) => unknown)[]): void; apply(): void } {
  const index = (name: string) => table.columns.findIndex((c) => c.name === name);
  const deferred = new Set(table.selfReferencing.map(index));
  if (deferred.size === 0) return { deferred, remember: () => undefined, apply: () => undefined };
  const key = table.primaryKey.map(index);
  if (key.length === 0 || key.includes(-1)) throw new TypeError(`table ${table.name} references itself but has no primary key to set the references by`);
  const columns = [...deferred];
  const update = target.prepare<unknown[]>(
    `UPDATE ${quoteIdentifier(table.name)} SET ${columns.map((i) => `${quoteIdentifier(table.columns[i]!.name)} = ?`).join(', ')} ` +
      `WHERE ${key.map((i) => `${quoteIdentifier(table.columns[i]!.name)} = ?`).join(' AND ')}`,
  );
  const later: unknown[][] = [];
  return {
    deferred,
    remember(row, convert) {
      if (columns.every((i) => row[i] === null || row[i] === undefined)) return;
      later.push([...columns.map((i) => convert[i]!(row[i])), ...key.map((i) => convert[i]!(row[i]))]);
    },
    apply() {
      for (const params of later) update.run(...params);
    },
  };
}

/**
 * PostgreSQL: turns the tables' own triggers off (or back on) for this transaction's copy. The one
 * the schema has keeps audit_log's AUTOINCREMENT counter, which {@link applyCounters} sets from the
 * source instead; fired per row, its upserts of one counter row cost quadratic time in a single
 * transaction. Foreign keys stay checked (they are system triggers). The target's tables were just
 * created by this copy's migration, so it owns them; a rollback restores the triggers too.
 */
function setUserTriggers(target: SqlConnection, tables: readonly TableInfo[], enabled: boolean): void {
  if (target.engine !== 'postgres') return;
  for (const table of tables) target.exec(`ALTER TABLE ${quoteIdentifier(table.name)} ${enabled ? 'ENABLE' : 'DISABLE'} TRIGGER USER`);
}

/** How a source value becomes what the target column takes (SQLite has no boolean type). */
function converter(column: ColumnInfo): (value: unknown) => unknown {
  const kind: ColumnKind = column.kind;
  if (kind === 'boolean') return (value) => (value === null || value === undefined ? null : value !== 0 && value !== 0n && value !== '0' && value !== false);
  if (kind === 'blob') return (value) => (typeof value === 'string' ? Buffer.from(value, 'utf8') : value);
  return (value) => value;
}

function checkRowCounts(source: SqlConnection, target: SqlConnection, summaries: readonly TableCopySummary[]): void {
  const differ = summaries.flatMap((summary) => {
    const inSource = countRows(source, summary.table);
    const inTarget = countRows(target, summary.table);
    return inSource === inTarget && inTarget === summary.rows ? [] : [`${summary.table}: ${inSource} in the source, ${inTarget} in the target`];
  });
  if (differ.length > 0) {
    throw new StoreCopyUnverifiedError(`row counts differ after the copy (${differ.join('; ')}); the copy was rolled back`, false);
  }
}

/** The first problem `audit:verify` would report, in its words, or undefined when the log verifies. */
function auditProblem(audit: AuditStoreVerification): string | undefined {
  const { chain, checkpointSignature, signedCopies } = audit;
  if (!chain.ok) return `${chain.problem}${chain.seq === null ? '' : ` at entry ${chain.seq}`}: ${chain.detail}`;
  if (checkpointSignature !== null && !checkpointSignature.ok) return `checkpoint-signature: ${checkpointSignature.detail}`;
  if (!signedCopies.ok) return `${signedCopies.problem} at entry ${signedCopies.seq}: ${signedCopies.detail}`;
  return undefined;
}
