import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AuthorityError, StoreError } from '../errors/errors';
import { systemClock, type Clock } from '../time/clock';
import { migrate } from './migrate';
import { createStoreAvailability, type StoreAvailability, type StoreHealth } from './store-availability';
import { acquireWriterLock, type WriterLock } from './writer-lock';
import { MIGRATIONS, type Migration } from './migrations';
import { postgresConnection, PostgresError, redactDatabaseUrl } from './postgres-connection';
import { POSTGRES_MIGRATIONS } from './postgres-migrations';
import type { SqlConnection } from './sql-connection';
import { sqliteConnection } from './sqlite-connection';
import { createWalSync, type FileSync, type WalSync } from './wal-sync';

/** File name of the authority's database inside its data folder. */
export const DATABASE_FILE = 'authority.db';

/** Default of {@link StoreOptions.statementTimeoutMs}, ms. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
/** Default of {@link StoreOptions.connectTimeoutMs}, ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export interface StoreOptions {
  /** Folder holding the SQLite database; created (mode 0700) if missing. Required unless {@link databaseUrl} is set. */
  readonly dataDir?: string;
  /**
   * `postgres://…`: use this PostgreSQL database instead of SQLite in {@link dataDir}
   * (`REVMESH_DATABASE_URL`). Several authorities may share it: writes are serialized by the
   * database, and there is no data-folder lock.
   */
  readonly databaseUrl?: string;
  /** PostgreSQL only: longest a statement may run (waiting for the write lock included), ms. Default {@link DEFAULT_STATEMENT_TIMEOUT_MS}. */
  readonly statementTimeoutMs?: number | undefined;
  /** PostgreSQL only: longest connecting may take, ms. Default {@link DEFAULT_CONNECT_TIMEOUT_MS}. */
  readonly connectTimeoutMs?: number | undefined;
  /** Used for `applied_at` of migrations. Default: the system clock. */
  readonly clock?: Clock;
  /** Schema to migrate to. Default: {@link MIGRATIONS} (SQLite) or {@link POSTGRES_MIGRATIONS}. Tests pass their own to exercise the runner. */
  readonly migrations?: readonly Migration[];
  /** SQLite only: replaces `fs.fsync` of the write-ahead log for {@link AuthorityStore.transactionSyncedLater} (tests: a delayed or failing flush). */
  readonly walFsync?: FileSync;
}

/** The authority's database (SQLite or PostgreSQL), migrated and ready. One per process. */
export interface AuthorityStore {
  /** Path of the database file (SQLite), or the database URL without its password (PostgreSQL). */
  readonly path: string;
  /** The connection. For authority-core's repositories; not exported from the package. */
  readonly db: SqlConnection;
  /** Versions applied when this store was opened (empty if the schema was already current). */
  readonly appliedMigrations: readonly number[];
  /**
   * Runs `fn` in one write transaction that excludes every other writer (SQLite `BEGIN IMMEDIATE`,
   * PostgreSQL a database-wide advisory lock): everything it writes commits together or not at
   * all. `fn` must be synchronous (the connection's transactions cannot span an await).
   */
  transaction<T>(fn: () => T): T;
  /**
   * Like {@link transaction}, but its commit does not wait for an fsync (`synchronous = NORMAL`
   * for this commit only), so it costs the event loop no disk flush. ONLY for bookkeeping that is
   * redone if a power cut loses it, never for anything a caller was told is stored: a lost
   * "published" mark means the row is published again (consumers deduplicate by event id), a
   * lost "shipped" mark means an audit entry is shipped again. A process crash loses nothing (the
   * WAL is in the OS's hands), and the next durable commit fsyncs the log, this commit included
   * (WAL frames are appended in order). Inside an open transaction it simply joins it.
   */
  relaxedTransaction<T>(fn: () => T): T;
  /**
   * Like {@link transaction} (durable, all or nothing), except that the event loop does not wait
   * for the disk: it returns once committed, with `durable`, which resolves once the commit is on
   * disk. Tell nobody the work is stored before then; if `durable` rejects, it may be lost (and
   * the store refuses every write until the authority restarts). SQLite: the commit writes the
   * log without fsync and one fsync on libuv's pool, shared by the commits made meanwhile,
   * flushes it (`wal-sync.ts` says why that is as durable as `synchronous = FULL`). PostgreSQL:
   * the server's commit is the durability point, so `durable` is already resolved. For the
   * group commit.
   */
  transactionSyncedLater<T>(fn: () => T): { readonly value: T; readonly durable: Promise<void> };
  /**
   * Resolves once every commit made so far is on disk (at once when none waits for its flush);
   * rejects after a failed flush. The outbox relay waits for it before publishing what it read.
   */
  durable(): Promise<void>;
  /** Whether the store can write (disk space, last write outcome), for readiness. Cheap: one statfs. */
  health(): StoreHealth;
  /** Closes the connection (checkpointing the WAL). Idempotent. */
  close(): void;
}

/**
 * Opens the authority's store: PostgreSQL when `databaseUrl` is set, otherwise SQLite in
 * `dataDir`. Either way the schema is migrated before this returns.
 *
 * SQLite: takes the data folder's writer lock, opens (creating if needed) the database, sets WAL
 * mode. `synchronous = FULL`: in WAL mode this fsyncs the log on every commit, so a 202 for a
 * revocation means the revocation survives a power cut, not only a process crash. NORMAL would
 * be faster and could lose the last commits on power loss, which would break "no accepted
 * revocation is lost". The group commit's transactions are the exception that keeps the rule:
 * they commit with NORMAL and their callers wait for an fsync of the log on libuv's pool
 * ({@link AuthorityStore.transactionSyncedLater}, `wal-sync.ts`).
 *
 * @throws {StoreLockedError} when another authority holds the data folder (SQLite).
 * @throws {StoreError} when the file cannot be opened or configured, or PostgreSQL cannot be
 *   reached (or its optional libpq binding is not installed).
 * @throws {MigrationError} when the schema cannot be brought up to date.
 */
export function openStore(options: StoreOptions): AuthorityStore {
  if (options.databaseUrl !== undefined) return openPostgresStore({ ...options, databaseUrl: options.databaseUrl });
  if (options.dataDir === undefined) throw new TypeError('openStore needs a dataDir (SQLite) or a databaseUrl (PostgreSQL)');
  return openSqliteStore({ ...options, dataDir: options.dataDir });
}

/**
 * Opens (creating the schema if needed) the PostgreSQL database at `databaseUrl` and runs
 * pending migrations. Commits are durable as the server is configured (`synchronous_commit`).
 */
function openPostgresStore(options: StoreOptions & { readonly databaseUrl: string }): AuthorityStore {
  const clock = options.clock ?? systemClock;
  const connection = postgresConnection({
    url: options.databaseUrl,
    statementTimeoutMs: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
  });
  try {
    const appliedMigrations = migrate(connection, options.migrations ?? POSTGRES_MIGRATIONS, () => clock.now(), { baseline: true });
    return storeOver(connection, {
      path: redactDatabaseUrl(options.databaseUrl),
      appliedMigrations,
      // Disk space is the server's business; readiness follows the last write's outcome.
      availability: createStoreAvailability('', () => undefined),
      clock,
    });
  } catch (error) {
    connection.close();
    throw translateStoreError(error, `cannot prepare the authority database at ${redactDatabaseUrl(options.databaseUrl)}`);
  }
}

function openSqliteStore(options: StoreOptions & { readonly dataDir: string }): AuthorityStore {
  const clock = options.clock ?? systemClock;
  const path = join(options.dataDir, DATABASE_FILE);
  let db: Database.Database;
  try {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new StoreError(`cannot create the data folder ${options.dataDir}: ${String(error)}`, { cause: error });
  }
  // Before the database is touched: a second authority must not even run migrations.
  const lock: WriterLock = acquireWriterLock(options.dataDir, () => clock.now());
  try {
    db = new Database(path);
  } catch (error) {
    lock.release();
    throw new StoreError(`cannot open the authority database at ${path}: ${String(error)}`, { cause: error });
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // Up to 64 MiB of page cache (the default is 2 MiB, taken only as pages are read): the unique
    // indexes on random ids (revocation, event) outgrow 2 MiB after some ten thousand revocations,
    // and then every insert rereads index pages from the OS.
    db.pragma('cache_size = -65536');
    // Checkpoint (copy the WAL into the database, on the committing thread) every ~32 MiB of WAL
    // instead of every 4 MiB: index pages that bulk revocations touch in many commits are then
    // copied once, not once per 4 MiB. Durability is unchanged (each durable commit still syncs the WAL).
    db.pragma('wal_autocheckpoint = 8000');
    const connection = sqliteConnection(db);
    const appliedMigrations = migrate(connection, options.migrations ?? MIGRATIONS, () => clock.now());
    const availability = createStoreAvailability(options.dataDir);
    const walSync = createWalSync({
      walPath: `${path}-wal`,
      ...(options.walFsync === undefined ? {} : { fsync: options.walFsync }),
      onFailure: (error) => availability.failed(error, clock.now()),
    });
    return storeOver(connection, {
      path,
      appliedMigrations,
      availability,
      clock,
      walSync,
      release: () => {
        walSync.close();
        lock.release();
      },
    });
  } catch (error) {
    db.close();
    lock.release();
    throw translateStoreError(error, `cannot prepare the authority database at ${path}`);
  }
}

/** What {@link storeOver} needs besides the connection. */
export interface StoreParts {
  readonly path: string;
  readonly appliedMigrations: readonly number[];
  readonly availability: StoreAvailability;
  readonly clock: Clock;
  /** Runs after the connection closed (the writer lock's release). */
  readonly release?: () => void;
  /** SQLite: flushes the log of {@link AuthorityStore.transactionSyncedLater}'s commits. Without it those commits are durable when they return. */
  readonly walSync?: WalSync;
}

/** The {@link AuthorityStore} over an open, migrated connection of either engine. */
export function storeOver(db: SqlConnection, parts: StoreParts): AuthorityStore {
  const { availability, clock, walSync } = parts;
  let open = true;
  const guarded = <T>(run: (fn: () => T) => T, fn: () => T): T => {
    // After a failed flush of the log nothing written later could be called durable (recovery
    // stops at the first missing frame): refuse every write until the authority restarts.
    if (walSync?.failure !== undefined) throw walSync.failure;
    let result: T;
    try {
      result = run(fn);
    } catch (error) {
      // A full or read-only disk is a condition to report and retry, not a bug.
      throw translateStoreError(availability.failed(error, clock.now()), 'transaction failed');
    }
    availability.succeeded();
    return result;
  };
  return {
    path: parts.path,
    db,
    appliedMigrations: parts.appliedMigrations,
    transaction: (fn) => guarded(db.transaction, fn),
    relaxedTransaction: (fn) => guarded(db.relaxedTransaction, fn),
    transactionSyncedLater: (fn) => {
      if (walSync === undefined) return { value: guarded(db.transaction, fn), durable: Promise.resolve() };
      // synchronous = NORMAL for this commit: the frames go to the OS, the fsync to the pool.
      const value = guarded(db.relaxedTransaction, fn);
      return { value, durable: walSync.afterCommit() };
    },
    durable: () => walSync?.durable() ?? Promise.resolve(),
    health: () => availability.health(),
    close: () => {
      if (!open) return;
      open = false;
      db.close();
      parts.release?.();
    },
  };
}

/**
 * Leaves authority-core's own errors (and caller-bug `TypeError`s) as they are, and wraps
 * anything else (SQLite's `SqliteError` in practice) into a {@link StoreError} with `cause`.
 */
export function translateStoreError(error: unknown, context: string): Error {
  if (error instanceof AuthorityError || error instanceof TypeError) return error;
  return new StoreError(`${context}: ${String(error)}`, { cause: error });
}

/**
 * True when `error` is SQLite refusing a duplicate key. A `TEXT PRIMARY KEY` of a rowid table
 * is enforced by a unique index, so SQLite reports it as `UNIQUE`, not `PRIMARYKEY`.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (error instanceof PostgresError) return error.code === '23505';
  // Duck-typed rather than `instanceof`: the native addon keeps the SqliteError class (and its
  // realm's Error) of the first copy of better-sqlite3 that loaded it, which is not always ours
  // (jest gives each test file its own realm and module registry; bundlers may duplicate it).
  if (typeof error !== 'object' || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === 'SqliteError' && (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY');
}
