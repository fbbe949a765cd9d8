/**
 * The engine-neutral connection authority-core's repositories write through: exactly the
 * synchronous, prepared-statement surface they use, implemented by SQLite (better-sqlite3,
 * `sqlite-connection.ts`) and PostgreSQL (libpq, `postgres-connection.ts`).
 *
 * Synchronous on purpose: a transaction is one uninterrupted turn of the event loop, so the
 * audit chain, the outbox and every compare-and-set read what they write without interleaving.
 */

/** Which database an {@link SqlConnection} talks to. */
export type StoreEngine = 'sqlite' | 'postgres';

/** What a write statement reports. */
export interface SqlRunResult {
  /** Rows inserted, updated or deleted by the statement. */
  readonly changes: number;
}

/**
 * Positional parameters (`?`, given as arguments) or named ones (`@name`, given as one object
 * whose keys are the names without `@`).
 */
export type SqlParameters<P> = P extends unknown[] ? P : [P];

/** A prepared statement; prepare once, run many times. */
export interface SqlStatement<P extends unknown[] | object = unknown[], R = unknown> {
  /** Runs a statement that returns no rows (or whose rows are not wanted). */
  run(...params: SqlParameters<P>): SqlRunResult;
  /** The first row, or undefined. */
  get(...params: SqlParameters<P>): R | undefined;
  /** Every row. */
  all(...params: SqlParameters<P>): R[];
  /** Every row, one at a time. */
  iterate(...params: SqlParameters<P>): IterableIterator<R>;
  /** From now on, rows are the value of their first column instead of objects. */
  pluck(toggle?: boolean): this;
  /** From now on, rows are arrays of their column values instead of objects. */
  raw(toggle?: boolean): this;
}

/**
 * The few places where SQLite and PostgreSQL spell the same thing differently, as SQL fragments.
 * Everything else in the repositories is SQL both engines accept.
 */
export interface SqlDialect {
  /** The larger of two values: SQLite's scalar `MAX(a, b)`, PostgreSQL's `GREATEST(a, b)`. */
  greatest(a: string, b: string): string;
  /**
   * A parenthesised subquery of the elements of a JSON array (a text parameter or column),
   * for `x IN <this>`: `(SELECT value FROM json_each(?))` on SQLite.
   */
  jsonArrayValues(json: string, type: 'text' | 'integer'): string;
  /** The member `field` of a JSON object held in text `column` (null when absent). */
  jsonField(column: string, field: string, type: 'text' | 'integer'): string;
  /**
   * A query of one row `{ seq }`: the highest key an AUTOINCREMENT table ever handed out (none:
   * no row), kept even when its rows are deleted. SQLite's `sqlite_sequence`; on PostgreSQL a
   * table kept by a trigger (for `audit_log` only, the one counter the code reads).
   */
  autoincrementCounter(table: 'audit_log'): string;
  /** A planner hint naming the index a table is read by (SQLite's `INDEXED BY`); empty on PostgreSQL, whose planner costs it. */
  indexedBy(index: string): string;
}

/** A connection to the authority's database. Not shared between processes; one per store. */
export interface SqlConnection {
  readonly engine: StoreEngine;
  readonly dialect: SqlDialect;
  /** True inside {@link transaction}. */
  readonly inTransaction: boolean;
  /**
   * Prepares `sql` (placeholders `?` or `@name`). Prepare once (at repository creation) and
   * keep the statement: preparing is the expensive part.
   */
  prepare<P extends unknown[] | object = unknown[], R = unknown>(sql: string): SqlStatement<P, R>;
  /** Runs one or more statements without parameters (schema changes). */
  exec(sql: string): void;
  /**
   * Runs `fn` in a write transaction: at the top level one that excludes every other writer of
   * the database for its duration (SQLite `BEGIN IMMEDIATE`, PostgreSQL a database-wide advisory
   * lock); nested, a savepoint, so a throwing `fn` rolls back alone.
   */
  transaction<T>(fn: () => T): T;
  /**
   * Like {@link transaction}, but the commit does not wait for the log to reach the disk
   * (SQLite `synchronous = NORMAL`, PostgreSQL `synchronous_commit = off`, for this commit
   * only). Only for bookkeeping that is redone if a power cut loses it. Nested, it joins.
   */
  relaxedTransaction<T>(fn: () => T): T;
  /** Closes the connection. Idempotent. */
  close(): void;
}
