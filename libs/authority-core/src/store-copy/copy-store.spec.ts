import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreCopyRefusedError, StoreCopyUnverifiedError } from '../errors/errors';
import { MIGRATIONS } from '../store/migrations';
import { openStore, type AuthorityStore } from '../store/store';
import { openCopySource, type CopySource } from './copy-source';
import { copyStore } from './copy-store';
import { editedCopy, MUTUAL_ROTATIONS_SQL, populatedStore, type PopulatedStore } from './populated-store.spec-helper';

// The copy through SQLite on both sides (the engine-neutral path; PostgreSQL targets are in
// copy-store.int.spec.ts): every row and counter arrives, the checks refuse what they must.
describe('copyStore (SQLite to SQLite)', () => {
  let populated: PopulatedStore;
  let targetDir: string;
  let source: CopySource | undefined;
  let target: AuthorityStore | undefined;

  beforeAll(async () => {
    populated = await populatedStore(12);
  });
  afterAll(() => populated.fixture.cleanup());
  beforeEach(() => {
    targetDir = mkdtempSync(join(tmpdir(), 'revmesh-copy-target-'));
  });
  afterEach(() => {
    source?.close();
    target?.close();
    source = undefined;
    target = undefined;
    rmSync(targetDir, { recursive: true, force: true });
  });

  const tableRows = (db: AuthorityStore['db'], table: string, order: string): unknown[] => db.prepare(`SELECT * FROM ${table} ORDER BY ${order}`).all();

  it('copies every table, row for row, with the counters, and verifies the audit log', async () => {
    source = openCopySource(populated.dir);
    target = openStore({ dataDir: targetDir });
    const copied: string[] = [];
    const summary = await copyStore({ source: source.connection, target: target.db, batchRows: 7, onTable: (t) => copied.push(t.table) });

    expect(summary.schemaVersion).toBe(MIGRATIONS.at(-1)!.version);
    expect(summary.tables.map((t) => t.table)).toEqual(copied);
    // Foreign-key order: parents before children.
    expect(copied.indexOf('revocations')).toBeLessThan(copied.indexOf('outbox'));
    expect(copied.indexOf('sessions')).toBeLessThan(copied.indexOf('refresh_tokens'));
    expect(summary.audit.chain.ok).toBe(true);
    expect(summary.audit.signedCopies).toEqual({ ok: true, checked: expect.any(Number) });
    expect(summary.audit.signedCopies.ok && summary.audit.signedCopies.checked).toBeGreaterThan(0);
    for (const [table, order] of [
      ['revocations', 'id'],
      ['audit_log', 'seq'],
      ['outbox', 'seq'],
      ['sessions', 'sid'],
      ['refresh_tokens', 'token_sha256'],
      ['clients', 'client_id'],
      ['client_secrets', 'client_id, created_at'],
      ['incidents', 'id'],
      ['key_set', 'id'],
    ] as const) {
      expect(tableRows(target.db, table, order)).toEqual(tableRows(source.connection, table, order));
    }
    expect(summary.tables.find((t) => t.table === 'revocations')!.rows).toBe(populated.revocations.length);
    expect(target.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'").pluck().get()).toBe(populated.lastAuditSeq);
    expect(summary.rows).toBe(summary.tables.reduce((sum, t) => sum + t.rows, 0));
  });

  it('copies rows of one table that reference each other across batches (a rotation and its rollback)', async () => {
    const edited = await editedCopy(populated.dir, MUTUAL_ROTATIONS_SQL);
    try {
      source = openCopySource(edited);
      target = openStore({ dataDir: targetDir });
      await copyStore({ source: source.connection, target: target.db, batchRows: 1 });
      expect(tableRows(target.db, 'rotations', 'id')).toEqual(tableRows(source.connection, 'rotations', 'id'));
      expect(target.db.prepare("SELECT rollback_of FROM rotations WHERE id = 'rot-1-rollback'").pluck().get()).toBe('rot-2-original');
    } finally {
      source?.close();
      source = undefined;
      rmSync(edited, { recursive: true, force: true });
    }
  });

  it('names the table the target refuses a row of, and rolls everything back', async () => {
    // A dangling reference, possible in a SQLite file edited with foreign keys off.
    const edited = await editedCopy(populated.dir, "UPDATE outbox SET revocation_id = 'no-such-revocation' WHERE seq = (SELECT MAX(seq) FROM outbox)");
    try {
      source = openCopySource(edited);
      target = openStore({ dataDir: targetDir });
      await expect(copyStore({ source: source.connection, target: target.db })).rejects.toThrow(
        /^cannot copy table outbox: FOREIGN KEY constraint failed; the copy was rolled back$/,
      );
      expect(target.db.prepare('SELECT COUNT(*) FROM revocations').pluck().get()).toBe(0);
    } finally {
      source?.close();
      source = undefined;
      rmSync(edited, { recursive: true, force: true });
    }
  });

  it('refuses a target that already holds data (a second copy into it), and writes nothing', async () => {
    source = openCopySource(populated.dir);
    target = openStore({ dataDir: targetDir });
    await copyStore({ source: source.connection, target: target.db });
    const count = (table: string) => target!.db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get();
    const before = [count('audit_log'), count('revocations'), count('outbox')];
    const again = copyStore({ source: source.connection, target: target.db });
    await expect(again).rejects.toThrow(StoreCopyRefusedError);
    await expect(again).rejects.toThrow(/the target already holds data in .*revocations \(12 rows\)/);
    expect([count('audit_log'), count('revocations'), count('outbox')]).toEqual(before);
  });

  it('refuses a target at another schema version', async () => {
    source = openCopySource(populated.dir);
    target = openStore({ dataDir: targetDir, migrations: MIGRATIONS.slice(0, -1) });
    const latest = MIGRATIONS.at(-1)!.version;
    await expect(copyStore({ source: source.connection, target: target.db })).rejects.toThrow(
      `the source's schema is at version ${latest} and the target's at ${latest - 1}`,
    );
  });

  it('refuses a source an authority is using', async () => {
    const running = openStore({ dataDir: populated.dir });
    try {
      expect(() => openCopySource(populated.dir)).toThrow(/in use by another authority.*stop it before copying its store/);
    } finally {
      running.close();
    }
  });

  it('rolls back when the audit chain does not verify on the target (an entry edited in the source)', async () => {
    const tampered = await editedCopy(populated.dir, "UPDATE audit_log SET target = 'someone-else' WHERE seq = (SELECT MIN(seq) + 2 FROM audit_log)");
    try {
      source = openCopySource(tampered);
      target = openStore({ dataDir: targetDir });
      const attempt = copyStore({ source: source.connection, target: target.db });
      await expect(attempt).rejects.toThrow(StoreCopyUnverifiedError);
      await expect(copyStore({ source: source.connection, target: target.db })).rejects.toThrow(/audit log copied to the target does not verify .*rolled back/);
      expect(target.db.prepare('SELECT COUNT(*) FROM revocations').pluck().get()).toBe(0);
    } finally {
      source?.close();
      source = undefined;
      rmSync(tampered, { recursive: true, force: true });
    }
  });
});
