import { resolve } from 'node:path';
import type { SqlConnection } from '../store/sql-connection';
import { openStore } from '../store/store';

/** Longest one statement of the copy may run on PostgreSQL (a batch INSERT, the count of a large table), ms. */
const COPY_STATEMENT_TIMEOUT_MS = 10 * 60_000;

/** Where a copy goes, opened and migrated to this authority's schema. */
export interface CopyTarget {
  /** For messages: the database file, or the URL without its password. */
  readonly description: string;
  /** Migrated to this authority's schema version. */
  readonly connection: SqlConnection;
  close(): void;
}

/**
 * Opens the target named by a `--to` value and brings its schema to this authority's version:
 * `postgres://…` / `postgresql://…` (the database must exist; its tables are created), or
 * `sqlite:<folder>` (a new data folder; useful to test a copy without a server).
 *
 * @throws {TypeError} for anything else.
 */
export function openCopyTarget(to: string): CopyTarget {
  const postgres = /^postgres(ql)?:\/\//i.test(to);
  if (!postgres && !(to.startsWith('sqlite:') && to.length > 'sqlite:'.length)) {
    throw new TypeError(`--to must be postgres://user@host:port/database (or sqlite:<new data folder>), got ${JSON.stringify(to.split('@').at(-1))}`);
  }
  const store = postgres
    ? openStore({ databaseUrl: to, statementTimeoutMs: COPY_STATEMENT_TIMEOUT_MS })
    : openStore({ dataDir: resolve(to.slice('sqlite:'.length)) });
  return { description: store.path, connection: store.db, close: () => store.close() };
}
