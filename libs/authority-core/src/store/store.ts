import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AuthorityError, StoreError } from '../errors/errors';
import { systemClock, type Clock } from '../time/clock';
import { migrate } from './migrate';
import { createStoreAvailability, type StoreHealth } from './store-availability';
import { acquireWriterLock, type WriterLock } from './writer-lock';
import { MIGRATIONS, type Migration } from './migrations';

/** File name of the authority's database inside its data folder. */
export const DATABASE_FILE = 'authority.db';

export interface StoreOptions {
  /** Folder holding the database; created (mode 0700) if missing. */
  readonly dataDir: string;
  /** Used for `applied_at` of migrations. Default: the system clock. */
  readonly clock?: Clock;
  /** Schema to migrate to. Default: {@link MIGRATIONS}. Tests pass their own to exercise the runner. */
  readonly migrations?: readonly Migration[];
}

/** The authority's SQLite database, migrated and ready. One per process. */
export interface AuthorityStore {
  /** Path of the database file. */
  readonly path: string;
  /** The connection. For authority-core's repositories; not exported from the package. */
  readonly db: Database.Database;
  /** Versions applied when this store was opened (empty if the schema was already current). */
  readonly appliedMigrations: readonly number[];
  /**
   * Runs `fn` in one `BEGIN IMMEDIATE` transaction: everything it writes commits together or
   * not at all. `fn` must be synchronous (better-sqlite3 transactions cannot span an await).
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
  /** Whether the store can write (disk space, last write outcome), for readiness. Cheap: one statfs. */
  health(): StoreHealth;
  /** Closes the connection (checkpointing the WAL). Idempotent. */
  close(): void;
}

/**
 * Takes the data folder's writer lock, opens (creating if needed) the database in `dataDir`, sets WAL mode, and runs pending
 * migrations before returning.
 *
 * `synchronous = FULL`: in WAL mode this fsyncs the log on every commit, so a 202 for a
 * revocation means the revocation survives a power cut, not only a process crash. NORMAL would
 * be faster and could lose the last commits on power loss, which would break "no accepted
 * revocation is lost".
 *
 * @throws {StoreLockedError} when another authority holds the data folder.
 * @throws {StoreError} when the file cannot be opened or configured.
 * @throws {MigrationError} when the schema cannot be brought up to date.
 */
export function openStore(options: StoreOptions): AuthorityStore {
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
    // copied once, not once per 4 MiB. Durability is unchanged (each commit still syncs the WAL).
    db.pragma('wal_autocheckpoint = 8000');
    const appliedMigrations = migrate(db, options.migrations ?? MIGRATIONS, () => clock.now());
    let open = true;
    const availability = createStoreAvailability(options.dataDir);
    const transaction = <T>(fn: () => T): T => {
      let result: T;
      try {
        result = db.transaction(fn).immediate();
      } catch (error) {
        // A full or read-only disk is a condition to report and retry, not a bug.
        throw translateStoreError(availability.failed(error, clock.now()), 'transaction failed');
      }
      availability.succeeded();
      return result;
    };
    return {
      path,
      db,
      appliedMigrations,
      transaction,
      relaxedTransaction: <T>(fn: () => T): T => {
        if (db.inTransaction) return transaction(fn);
        // Not prepared once: SQLite applies this pragma when the statement is prepared, not when it runs.
        db.pragma('synchronous = NORMAL');
        try {
          return transaction(fn);
        } finally {
          db.pragma('synchronous = FULL');
        }
      },
      health: () => availability.health(),
      close: () => {
        if (!open) return;
        open = false;
        db.close();
        lock.release();
      },
    };
  } catch (error) {
    db.close();
    lock.release();
    throw translateStoreError(error, `cannot prepare the authority database at ${path}`);
  }
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
  // Duck-typed rather than `instanceof`: the native addon keeps the SqliteError class (and its
  // realm's Error) of the first copy of better-sqlite3 that loaded it, which is not always ours
  // (jest gives each test file its own realm and module registry; bundlers may duplicate it).
  if (typeof error !== 'object' || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === 'SqliteError' && (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY');
}
