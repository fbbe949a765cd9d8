import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MigrationError } from '../errors/errors';
import { MIGRATIONS, type Migration } from './migrations';
import { DATABASE_FILE, openStore } from './store';
import type { SqlConnection } from './sql-connection';
import { sqliteConnection, sqliteNative } from './sqlite-connection';

describe('openStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const tables = (db: SqlConnection): string[] =>
    (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map(
      (r) => r.name,
    );

  it('creates the data folder, uses WAL, and runs every migration at first open', () => {
    const store = openStore({ dataDir: join(dir, 'nested', 'data'), clock: { now: () => 1234 } });
    try {
      expect(store.path).toBe(join(dir, 'nested', 'data', DATABASE_FILE));
      expect(store.appliedMigrations).toEqual(MIGRATIONS.map((m) => m.version));
      expect(sqliteNative(store.db).pragma('journal_mode', { simple: true })).toBe('wal');
      expect(sqliteNative(store.db).pragma('foreign_keys', { simple: true })).toBe(1);
      expect(tables(store.db)).toEqual(
        expect.arrayContaining([
          'schema_migrations',
          'signing_keys',
          'clients',
          'revocations',
          'outbox',
          'event_signers',
          'key_set',
          'key_events',
          'rotations',
          'admin_actions',
          'sidecar_instances',
          'sidecar_acks',
        ]),
      );
      expect(store.db.prepare('SELECT version, applied_at FROM schema_migrations').all()).toEqual(
        MIGRATIONS.map((m) => ({ version: m.version, applied_at: 1234 })),
      );
    } finally {
      store.close();
    }
  });

  it('applies nothing when reopened, and keeps the data', () => {
    const first = openStore({ dataDir: dir });
    first.db.prepare("INSERT INTO clients (client_id, auth_method, audiences, scopes, created_at, updated_at) VALUES ('c', 'client_secret', '[]', '[]', 1, 1)").run();
    first.close();
    const second = openStore({ dataDir: dir });
    try {
      expect(second.appliedMigrations).toEqual([]);
      expect(second.db.prepare('SELECT client_id FROM clients').all()).toEqual([{ client_id: 'c' }]);
    } finally {
      second.close();
    }
  });

  it('applies only the migrations added since the last open, in order', () => {
    const v1: Migration[] = [{ version: 1, name: 'a', sql: 'CREATE TABLE a (x INTEGER) STRICT' }];
    openStore({ dataDir: dir, migrations: v1 }).close();
    const v3: Migration[] = [
      ...v1,
      { version: 2, name: 'b', sql: 'CREATE TABLE b (x INTEGER) STRICT' },
      { version: 3, name: 'b2', sql: 'ALTER TABLE b ADD COLUMN y TEXT' },
    ];
    const store = openStore({ dataDir: dir, migrations: v3 });
    try {
      expect(store.appliedMigrations).toEqual([2, 3]);
      expect(store.db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all()).toEqual([1, 2, 3]);
    } finally {
      store.close();
    }
  });

  it('rolls a failing migration back entirely and says which one failed', () => {
    const migrations: Migration[] = [
      { version: 1, name: 'fine', sql: 'CREATE TABLE a (x INTEGER) STRICT' },
      { version: 2, name: 'broken', sql: 'CREATE TABLE half (x INTEGER) STRICT; THIS IS NOT SQL' },
    ];
    expect(() => openStore({ dataDir: dir, migrations })).toThrow(MigrationError);
    expect(() => openStore({ dataDir: dir, migrations })).toThrow(/migration 2 \(broken\)/);
    const db = new Database(join(dir, DATABASE_FILE));
    try {
      expect(tables(sqliteConnection(db))).not.toContain('half');
      expect(db.prepare('SELECT version FROM schema_migrations').pluck().all()).toEqual([1]);
    } finally {
      db.close();
    }
  });

  it('refuses a database written by a newer authority', () => {
    openStore({ dataDir: dir }).close();
    const db = new Database(join(dir, DATABASE_FILE));
    db.prepare("INSERT INTO schema_migrations VALUES (99, 'from the future', 0)").run();
    db.close();
    expect(() => openStore({ dataDir: dir })).toThrow(/schema is at version 99/);
  });

  it('rejects a migration list with gaps (a bug, not a runtime condition)', () => {
    expect(() => openStore({ dataDir: dir, migrations: [{ version: 2, name: 'x', sql: '' }] })).toThrow(TypeError);
  });

  it('commits a transaction as a whole or not at all', () => {
    const store = openStore({ dataDir: dir });
    try {
      const insert = store.db.prepare("INSERT INTO clients (client_id, auth_method, audiences, scopes, created_at, updated_at) VALUES (?, 'client_secret', '[]', '[]', 1, 1)");
      expect(() =>
        store.transaction(() => {
          insert.run('first');
          insert.run('first'); // primary key violation
        }),
      ).toThrow();
      expect(store.db.prepare('SELECT COUNT(*) FROM clients').pluck().get()).toBe(0);
    } finally {
      store.close();
    }
  });
});
