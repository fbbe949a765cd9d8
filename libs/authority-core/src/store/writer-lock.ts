import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { StoreError, StoreLockedError } from '../errors/errors';

/** Lock file inside the data folder: an SQLite database held in exclusive locking mode. */
export const WRITER_LOCK_FILE = 'writer.lock';
/** Who holds the lock, written by the holder after it got it; read only to explain a refusal. */
export const WRITER_HOLDER_FILE = 'writer.json';

/** What the lock holder says about itself. */
export interface WriterLockHolder {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
}

/** The exclusive right to write one data folder, held until released or until the process dies. */
export interface WriterLock {
  release(): void;
}

/**
 * Takes the data folder's writer lock or throws {@link StoreLockedError} naming the holder.
 *
 * The lock is an OS file lock taken by SQLite (a write in `locking_mode = EXCLUSIVE` keeps the
 * exclusive lock for the life of the connection), so the kernel drops it when the holder exits,
 * including on `kill -9`: a crashed authority never leaves a stale lock behind, and no timeout or
 * liveness guess is involved. It lives in a file of its own so that offline readers of the
 * database (`audit:verify`) still work while the authority runs.
 */
export function acquireWriterLock(dataDir: string, now: () => number = Date.now): WriterLock {
  const path = join(dataDir, WRITER_LOCK_FILE);
  let db: Database.Database;
  try {
    db = new Database(path, { timeout: 0 });
  } catch (error) {
    throw new StoreError(`cannot open the writer lock ${path}: ${String(error)}`, { cause: error });
  }
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS writer (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, at INTEGER NOT NULL)');
    db.prepare('INSERT OR REPLACE INTO writer (id, pid, at) VALUES (1, ?, ?)').run(process.pid, now());
  } catch (error) {
    db.close();
    if (isBusy(error)) {
      const holder = readHolder(dataDir);
      const who = holder === undefined ? 'another process' : `pid ${holder.pid} on ${holder.host}, started ${holder.startedAt}`;
      throw new StoreLockedError(
        `the data folder ${dataDir} is in use by another authority (${who}); one authority per data folder: stop it, or give this one its own REVMESH_DATA_DIR`,
        { cause: error },
      );
    }
    throw new StoreError(`cannot take the writer lock ${path}: ${String(error)}`, { cause: error });
  }
  const holder: WriterLockHolder = { pid: process.pid, host: hostname(), startedAt: new Date(now()).toISOString() };
  writeFileSync(join(dataDir, WRITER_HOLDER_FILE), `${JSON.stringify(holder)}\n`, { mode: 0o600 });
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      db.close();
    },
  };
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

function readHolder(dataDir: string): WriterLockHolder | undefined {
  try {
    return JSON.parse(readFileSync(join(dataDir, WRITER_HOLDER_FILE), 'utf8')) as WriterLockHolder;
  } catch {
    return undefined;
  }
}
