import { rmSync } from 'node:fs';
import { createTestDatabase, type TestDatabase } from '@revmesh/test-support';
import { readAuditExport } from '../audit/audit-store';
import { StoreCopyUnverifiedError } from '../errors/errors';
import { openStore } from '../store/store';
import { copyAuthorityStore } from './copy-authority-store';
import { openCopySource } from './copy-source';
import { editedCopy, MUTUAL_ROTATIONS_SQL, populatedStore, type PopulatedStore } from './populated-store.spec-helper';

// store:copy into the tests' PostgreSQL (REVMESH_TEST_DATABASE_URL): an authority data folder
// written through the core's services, copied, then opened by an authority on PostgreSQL.
describe('copyAuthorityStore from a SQLite data folder to PostgreSQL', () => {
  let populated: PopulatedStore;
  const databases: TestDatabase[] = [];
  const scratch: string[] = [];

  beforeAll(async () => {
    populated = await populatedStore(25);
  });
  afterAll(async () => {
    populated.fixture.cleanup();
    for (const db of databases) await db.drop();
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });
  const database = async (prefix: string): Promise<TestDatabase> => {
    const db = await createTestDatabase(prefix);
    databases.push(db);
    return db;
  };

  it('copies every table; an authority on the PostgreSQL store reads the same revocations, session, clients and audit log, verifies it and appends to it', async () => {
    const source = openCopySource(populated.dir);
    const sourceAudit = [...readAuditExport(source.connection)];
    source.close();
    const db = await database('store_copy');

    const summary = await copyAuthorityStore({ fromDataDir: populated.dir, to: db.url, batchRows: 8 });
    expect(summary.tables.find((t) => t.table === 'revocations')?.rows).toBe(populated.revocations.length);
    expect(summary.tables.find((t) => t.table === 'audit_log')?.rows).toBe(sourceAudit.length);
    expect(summary.audit.chain.ok && summary.audit.chain.lastSeq).toBe(populated.lastAuditSeq);
    expect(summary.audit.signedCopies.ok).toBe(true);

    const core = await populated.fixture.reopen({ database: { url: db.url } });
    try {
      expect(core.store.db.engine).toBe('postgres');
      for (const revocation of populated.revocations) {
        expect(core.revocations.get(revocation.id)).toMatchObject({
          id: revocation.id,
          target: revocation.target,
          reason: revocation.reason,
          revokedAt: revocation.revokedAt,
          notAfterIat: revocation.notAfterIat,
          expiresAt: revocation.expiresAt,
        });
      }
      expect(core.sessions.get(populated.sid)).toMatchObject({ sid: populated.sid });
      expect(core.clients.get('billing')).toMatchObject({ clientId: 'billing' });
      expect([...core.audit.exportLines()]).toEqual(sourceAudit);
      expect(core.audit.verify()).toMatchObject({ ok: true, lastSeq: populated.lastAuditSeq });

      // The copied chain and counters carry on: the next entry links to the last copied one.
      await core.revocations.revoke({ target: { type: 'sub', value: 'after-copy' }, reason: 'first write on PostgreSQL', actor: { kind: 'admin-key', id: 'admin' } });
      expect(core.audit.lastWrittenSeq()).toBeGreaterThan(populated.lastAuditSeq);
      expect(core.audit.verify().ok).toBe(true);
    } finally {
      core.close();
    }
  });

  it('copies a rotation and its rollback, which reference each other, in separate batches', async () => {
    const edited = await editedCopy(populated.dir, MUTUAL_ROTATIONS_SQL);
    scratch.push(edited);
    const db = await database('store_copy_rotations');
    await copyAuthorityStore({ fromDataDir: edited, to: db.url, batchRows: 1 });
    const target = openStore({ databaseUrl: db.url });
    try {
      expect(target.db.prepare('SELECT id, rollback_of, rolled_back_by FROM rotations ORDER BY id').all()).toEqual([
        { id: 'rot-1-rollback', rollback_of: 'rot-2-original', rolled_back_by: null },
        { id: 'rot-2-original', rollback_of: null, rolled_back_by: 'rot-1-rollback' },
      ]);
    } finally {
      target.close();
    }
  });

  it('fails the chain check when an audit entry was edited in the source, and leaves the database without data', async () => {
    const tampered = await editedCopy(populated.dir, "UPDATE audit_log SET justification = 'nothing happened' WHERE seq = (SELECT MIN(seq) + 3 FROM audit_log)");
    scratch.push(tampered);
    const db = await database('store_copy_tampered');

    const attempt = copyAuthorityStore({ fromDataDir: tampered, to: db.url });
    await expect(attempt).rejects.toThrow(StoreCopyUnverifiedError);
    await expect(attempt).rejects.toThrow(/the audit log copied to the target does not verify \(edited at entry \d+.*the copy was rolled back/);

    const target = openStore({ databaseUrl: db.url });
    try {
      for (const table of ['revocations', 'audit_log', 'outbox', 'sessions']) {
        expect(target.db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get()).toBe(0);
      }
    } finally {
      target.close();
    }
  });
});
