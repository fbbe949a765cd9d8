import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { StoreCopyRefusedError, StoreError, StoreLockedError } from '../errors/errors';
import type { SqlConnection } from '../store/sql-connection';
import { sqliteConnection } from '../store/sqlite-connection';
import { DATABASE_FILE } from '../store/store';
import { acquireWriterLock } from '../store/writer-lock';

/** An open copy source: the SQLite store of a data folder, read-only, its folder locked against authorities. */
export interface CopySource {
  readonly dataDir: string;
  readonly path: string;
  readonly connection: SqlConnection;
  /** Closes the database and releases the data folder. Idempotent. */
  close(): void;
}

/**
 * The data folder named by a `--from` value: `sqlite:<data folder>` or `sqlite:<…/authority.db>`
 * (a bare path is taken as `sqlite:<path>`).
 *
 * @throws {TypeError} for another scheme.
 */
export function copySourceDataDir(from: string): string {
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(from)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'sqlite') {
    throw new TypeError(`--from must be sqlite:<data folder or authority.db>, got ${scheme}: (only a SQLite store can be copied from)`);
  }
  const given = scheme === 'sqlite' ? from.slice('sqlite:'.length) : from;
  if (given.trim() === '') throw new TypeError('--from needs a path: sqlite:<data folder or authority.db>');
  const path = resolve(given);
  return basename(path) === DATABASE_FILE ? dirname(path) : path;
}

/**
 * Opens the store of `dataDir` for copying: takes the folder's writer lock first (an authority
 * writing during the copy would add rows the copy misses), then opens the database read-only.
 *
 * @throws {StoreCopyRefusedError} when there is no database there, or an authority runs on it.
 * @throws {StoreError} when it cannot be opened.
 */
export function openCopySource(dataDir: string): CopySource {
  const path = join(dataDir, DATABASE_FILE);
  if (!existsSync(path) || !statSync(path).isFile()) throw new StoreCopyRefusedError(`no authority database at ${path}`);
  let lock: ReturnType<typeof acquireWriterLock>;
  try {
    lock = acquireWriterLock(dataDir);
  } catch (error) {
    if (error instanceof StoreLockedError) throw new StoreCopyRefusedError(`${error.message}; stop it before copying its store`, { cause: error });
    throw error;
  }
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    lock.release();
    throw new StoreError(`cannot open ${path} read-only: ${String(error)}`, { cause: error });
  }
  const connection = sqliteConnection(db);
  let open = true;
  return {
    dataDir,
    path,
    connection,
    close: () => {
      if (!open) return;
      open = false;
      connection.close();
      lock.release();
    },
  };
}
