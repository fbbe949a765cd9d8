import { MigrationError } from '../errors/errors';
import type { Migration } from './migrations';
import type { SqlConnection, StoreEngine } from './sql-connection';

const SCHEMA_MIGRATIONS: Readonly<Record<StoreEngine, string>> = {
  sqlite: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    applied_at  INTEGER NOT NULL
  ) STRICT`,
  postgres: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version     BIGINT PRIMARY KEY,
    name        TEXT NOT NULL,
    applied_at  BIGINT NOT NULL
  )`,
};

/**
 * Brings the schema up to the last of `migrations`, each in its own write transaction together
 * with its row in `schema_migrations`, so a crash mid-way leaves the database at a known version.
 * The current version is read again inside each transaction: several authorities starting
 * together on one PostgreSQL database apply each migration once.
 *
 * `migrations` are contiguous versions from 1; with `baseline`, the first may be above 1: it then
 * creates the whole schema of its version at once (PostgreSQL's set) and applies to empty
 * databases only.
 *
 * @returns the versions applied by this call (empty when the schema was current).
 * @throws {MigrationError} when a migration fails or the database is newer than this code.
 */
export function migrate(db: SqlConnection, migrations: readonly Migration[], now: () => number, options: { readonly baseline?: boolean } = {}): number[] {
  const first = options.baseline === true ? (migrations[0]?.version ?? 1) : 1;
  migrations.forEach((m, i) => {
    if (m.version !== first + i) {
      throw new TypeError(`migration versions must be contiguous (${first}, ${first + 1}, ...); found ${m.version} at position ${i}`);
    }
  });
  db.exec(SCHEMA_MIGRATIONS[db.engine]);
  const version = db.prepare<[], number | null>('SELECT MAX(version) AS version FROM schema_migrations').pluck();
  const currentVersion = (): number => version.get() ?? 0;
  const latest = first + migrations.length - 1;
  const current = currentVersion();
  if (current > latest) {
    throw new MigrationError(
      `the database schema is at version ${current} but this authority only knows up to ${latest}: ` +
        'run a newer authority, or point it at another database',
    );
  }
  if (current !== 0 && current < first - 1) {
    throw new MigrationError(`the database schema is at version ${current}, older than this authority's baseline ${first}: it cannot be upgraded in place`);
  }
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const applied: number[] = [];
  for (const migration of migrations) {
    try {
      const ran = db.transaction(() => {
        const at = currentVersion();
        if (at >= migration.version) return false;
        if (at !== 0 && at !== migration.version - 1) throw new MigrationError(`the schema is at version ${at}, not ${migration.version - 1}`);
        db.exec(migration.sql);
        record.run(migration.version, migration.name, now());
        return true;
      });
      if (ran) applied.push(migration.version);
    } catch (error) {
      throw new MigrationError(`migration ${migration.version} (${migration.name}) failed: ${String(error)}`, {
        cause: error,
      });
    }
  }
  return applied;
}
