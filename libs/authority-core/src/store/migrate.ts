import type { Database } from 'better-sqlite3';
import { MigrationError } from '../errors/errors';
import type { Migration } from './migrations';

/**
 * Brings the schema up to the last of `migrations`, each in its own transaction together with
 * its row in `schema_migrations`, so a crash mid-way leaves the database at a known version.
 *
 * @returns the versions applied by this call (empty when the schema was current).
 * @throws {MigrationError} when a migration fails or the database is newer than this code.
 */
export function migrate(db: Database, migrations: readonly Migration[], now: () => number): number[] {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new TypeError(`migration versions must be 1, 2, 3...; found ${m.version} at position ${i}`);
    }
  });
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    applied_at  INTEGER NOT NULL
  ) STRICT`);
  const row = db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as
    | { version: number | null }
    | undefined;
  const current = row?.version ?? 0;
  const latest = migrations.length;
  if (current > latest) {
    throw new MigrationError(
      `the database schema is at version ${current} but this authority only knows up to ${latest}: ` +
        'run a newer authority, or point REVMESH_DATA_DIR at another folder',
    );
  }
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const applied: number[] = [];
  for (const migration of migrations.slice(current)) {
    try {
      db.transaction(() => {
        db.exec(migration.sql);
        record.run(migration.version, migration.name, now());
      }).immediate();
    } catch (error) {
      throw new MigrationError(`migration ${migration.version} (${migration.name}) failed: ${String(error)}`, {
        cause: error,
      });
    }
    applied.push(migration.version);
  }
  return applied;
}
