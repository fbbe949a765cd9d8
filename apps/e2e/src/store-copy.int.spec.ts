import { randomUUID } from 'node:crypto';
import { verifyAuditExport } from '@revmesh/contracts';
import { createTestDatabase, type TestDatabase } from '@revmesh/test-support';
import { runCommand } from './support/authority-command';
import { getRevocation, revoke, startAuthority, type AuthorityHandle } from './support/authority-process';
import { uniquePrefix } from './support/wait';

/** The README's move from SQLite to PostgreSQL (npm run store:copy), with the authority as a real process. */
describe('store:copy: an authority moved from its SQLite folder to PostgreSQL', () => {
  let authority: AuthorityHandle | undefined;
  let target: TestDatabase | undefined;
  afterEach(async () => {
    await authority?.process.stop();
    authority = undefined;
    await target?.drop();
  });

  it('refuses while the authority runs, copies once stopped, refuses a second copy; the authority restarted on PostgreSQL has every revocation and its audit log verifies', async () => {
    // SQLite whatever engine the e2e run uses otherwise (an empty REVMESH_DATABASE_URL is unset).
    authority = await startAuthority({ brokers: process.env['KAFKA_BROKERS']!, topicPrefix: uniquePrefix('storecopy'), extraEnv: { REVMESH_DATABASE_URL: '' } });
    const live = authority;
    const ids: string[] = [];
    for (let i = 0; i < 30; i += 1) {
      const response = await revoke(live, i % 2 === 0 ? 'jti' : 'sub', randomUUID(), 'before the move');
      expect(response.status).toBe(202);
      ids.push(response.body.id);
    }
    target = await createTestDatabase('store_copy_e2e');
    const copy = ['--from', `sqlite:${live.dataDir}`, '--to', target.url];

    const whileRunning = await runCommand('store-copy.js', copy, {});
    expect(whileRunning.code).toBe(2);
    expect(whileRunning.stderr).toMatch(/in use by another authority.*stop it before copying its store/);

    await live.process.stop();
    const copied = await runCommand('store-copy.js', [...copy, '--json'], {});
    expect(copied).toMatchObject({ code: 0, stderr: '' });
    const summary = JSON.parse(copied.stdout) as { ok: boolean; rows: number; tables: { table: string; rows: number }[]; auditEntries: number };
    expect(summary.ok).toBe(true);
    expect(summary.tables.find((t) => t.table === 'revocations')?.rows).toBe(ids.length);
    expect(summary.auditEntries).toBeGreaterThan(ids.length);

    const again = await runCommand('store-copy.js', copy, {});
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('the target already holds data');

    // Same data folder (KEK, admin session, port) but the store on PostgreSQL.
    authority = await startAuthority({
      brokers: process.env['KAFKA_BROKERS']!,
      topicPrefix: live.env['REVMESH_TOPIC_PREFIX']!,
      previous: { ...live, env: { ...live.env, REVMESH_DATABASE_URL: target.url } },
    });
    const moved = authority;
    expect((await Promise.all(ids.map(async (id) => (await getRevocation(moved, id)).status)))).toEqual(ids.map(() => 200));
    expect((await revoke(moved, 'jti', randomUUID(), 'after the move')).status).toBe(202);
    const exported = await fetch(`${moved.url}/v1/audit/export`, { headers: { authorization: `Bearer ${moved.admin.token}` } });
    expect(exported.status).toBe(200);
    expect(verifyAuditExport(await exported.text())).toMatchObject({ ok: true });
  });
});
