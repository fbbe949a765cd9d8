import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS } from './migrations';
import { openStore } from './store';
import { sqliteNative } from './sqlite-connection';

/** The DPoP migration rebuilds `revocations`, which the outbox references: nothing may be lost. */
describe('migration: dpop (jkt revocation target, dpop_bound_access_tokens)', () => {
  const index = MIGRATIONS.findIndex((m) => m.name.startsWith('dpop:'));
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-dpop-migration-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every revocation and its outbox link, accepts jkt targets and keeps the foreign key enforced', () => {
    const before = openStore({ dataDir: dir, migrations: MIGRATIONS.slice(0, index) });
    before.db
      .prepare(
        `INSERT INTO revocations (id, target_type, target_value, reason, actor_kind, actor_id, revoked_at, not_after_iat, expires_at, iss)
         VALUES ('r1', 'sub', 'alice', 'why', 'operator', 'op', 1000, 1, 2000, NULL), ('r2', 'jti', 'j', 'why', 'operator', 'op', 1000, 1, 2000, 'https://idp')`,
      )
      .run();
    before.db
      .prepare(
        `INSERT INTO outbox (event_id, revocation_id, topic, record_key, value, headers, created_at)
         VALUES ('e1', 'r1', 't', 'k1', x'00', '{}', 1), ('e2', NULL, 't', 'k2', x'00', '{}', 1), ('e3', 'r2', 't', 'k3', x'00', '{}', 1)`,
      )
      .run();
    expect(() =>
      before.db.prepare("INSERT INTO revocations (id, target_type, target_value, reason, actor_kind, actor_id, revoked_at, not_after_iat, expires_at) VALUES ('x', 'jkt', 'v', 'r', 'operator', 'op', 1, 1, 2)").run(),
    ).toThrow(/CHECK/);
    before.close();

    const after = openStore({ dataDir: dir, migrations: MIGRATIONS.slice(0, index + 1) });
    try {
      expect(after.appliedMigrations).toEqual([index + 1]);
      expect(after.db.prepare('SELECT id, target_type, target_value, iss FROM revocations ORDER BY id').all()).toEqual([
        { id: 'r1', target_type: 'sub', target_value: 'alice', iss: null },
        { id: 'r2', target_type: 'jti', target_value: 'j', iss: 'https://idp' },
      ]);
      expect(after.db.prepare('SELECT event_id, revocation_id FROM outbox ORDER BY seq').all()).toEqual([
        { event_id: 'e1', revocation_id: 'r1' },
        { event_id: 'e2', revocation_id: null },
        { event_id: 'e3', revocation_id: 'r2' },
      ]);
      after.db
        .prepare("INSERT INTO revocations (id, target_type, target_value, reason, actor_kind, actor_id, revoked_at, not_after_iat, expires_at) VALUES ('r3', 'jkt', 'thumb', 'r', 'operator', 'op', 1, 1, 2)")
        .run();
      expect(() =>
        after.db.prepare("INSERT INTO outbox (event_id, revocation_id, topic, record_key, value, headers, created_at) VALUES ('e4', 'nope', 't', 'k', x'00', '{}', 1)").run(),
      ).toThrow(/FOREIGN KEY/);
      expect(sqliteNative(after.db).pragma('foreign_key_check')).toEqual([]);
      const indexes = after.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'revocations' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all();
      expect(indexes).toEqual(['revocations_by_expiry', 'revocations_by_target', 'revocations_own_by_target']);
      expect(after.db.prepare("SELECT name FROM sqlite_temp_master WHERE type = 'table'").all()).toEqual([]);
      expect(after.db.prepare("SELECT dflt_value FROM pragma_table_info('clients') WHERE name = 'dpop_bound_access_tokens'").pluck().get()).toBe('0');
    } finally {
      after.close();
    }
  });
});
