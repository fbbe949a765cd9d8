import type Database from 'better-sqlite3';
import type { SqlConnection, SqlDialect, SqlStatement } from './sql-connection';

/** SQLite's spelling of {@link SqlDialect}. */
export const SQLITE_DIALECT: SqlDialect = {
  greatest: (a, b) => `MAX(${a}, ${b})`,
  jsonArrayValues: (json) => `(SELECT value FROM json_each(${json}))`,
  jsonField: (column, field) => `json_extract(${column}, '$.${field}')`,
  indexedBy: (index) => `INDEXED BY ${index}`,
  autoincrementCounter: (table) => `SELECT seq FROM sqlite_sequence WHERE name = '${table}'`,
};

/** An {@link SqlConnection} over a better-sqlite3 database, with the native handle for SQLite-only needs (pragmas). */
export interface SqliteConnection extends SqlConnection {
  readonly engine: 'sqlite';
  readonly native: Database.Database;
}

/**
 * Wraps an open better-sqlite3 database. Statements are better-sqlite3's own (their surface is
 * {@link SqlStatement}'s), so the hot path costs nothing more than before.
 */
export function sqliteConnection(db: Database.Database): SqliteConnection {
  const transaction = <T>(fn: () => T): T => db.transaction(fn).immediate();
  return {
    engine: 'sqlite',
    dialect: SQLITE_DIALECT,
    native: db,
    get inTransaction() {
      return db.inTransaction;
    },
    prepare: <P extends unknown[] | object = unknown[], R = unknown>(sql: string) =>
      db.prepare(sql) as unknown as SqlStatement<P, R>,
    exec: (sql) => void db.exec(sql),
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
    close: () => {
      if (db.open) db.close();
    },
  };
}

/**
 * The better-sqlite3 handle under `connection`, for what only SQLite has (pragmas).
 * @throws {TypeError} when the connection is not SQLite's.
 */
export function sqliteNative(connection: SqlConnection): Database.Database {
  if (connection.engine !== 'sqlite') throw new TypeError(`this needs the SQLite engine, not ${connection.engine}`);
  return (connection as SqliteConnection).native;
}
