import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyAuditExport } from '@revmesh/contracts';
import { createTestDatabase, type TestDatabase } from '@revmesh/test-support';
import { run, runCommand } from './support/authority-command';
import { getRevocation, revoke, startAuthority, type AuthorityHandle } from './support/authority-process';
import { eventually, uniquePrefix } from './support/wait';

type Phase = 'before' | 'during' | 'after';

/**
 * Four writers revoking without pause (so a backup meets group commits of several revocations),
 * each revocation remembered with the phase it was sent in and the phase its 202 came back in:
 * `before` the backup started, `during` it, `after` it finished.
 */
function revocationStream(authority: AuthorityHandle) {
  const accepted: { readonly id: string; readonly sentIn: Phase; readonly acceptedIn: Phase }[] = [];
  let phase: Phase = 'before';
  let writing = true;
  const writers = Array.from({ length: 4 }, async () => {
    while (writing) {
      const sentIn = phase;
      const response = await revoke(authority, 'jti', randomUUID(), 'backup test');
      if (response.status !== 202) throw new Error(`revocation refused: ${response.status} ${JSON.stringify(response.body)}`);
      accepted.push({ id: response.body.id, sentIn, acceptedIn: phase });
    }
  });
  return {
    /** Runs `backup` between `before` and `after`, with revocations accepted on both sides of it. */
    async around<T>(backup: () => Promise<T>): Promise<T> {
      await eventually('40 revocations accepted before the backup', () => accepted.length >= 40);
      phase = 'during';
      const result = await backup();
      phase = 'after';
      const afterBackup = accepted.length;
      await eventually('revocations accepted after the backup', () => accepted.length >= afterBackup + 20);
      writing = false;
      await Promise.all(writers);
      return result;
    },
    /** Revocations committed before the backup started (their 202 came back before it). */
    acceptedBefore: () => accepted.filter((a) => a.acceptedIn === 'before').map((a) => a.id),
    /** Revocations sent after the backup finished. */
    sentAfter: () => accepted.filter((a) => a.sentIn === 'after').map((a) => a.id),
  };
}

/** Everything accepted (202) before the backup started is there; what was sent after it finished is not. */
async function expectRestoredUpToTheBackup(authority: AuthorityHandle, stream: ReturnType<typeof revocationStream>): Promise<void> {
  const statusOf = async (id: string) => (await getRevocation(authority, id)).status;
  const before = stream.acceptedBefore();
  const after = stream.sentAfter();
  expect(await Promise.all(before.map(statusOf))).toEqual(before.map(() => 200));
  expect(await Promise.all(after.map(statusOf))).toEqual(after.map(() => 404));
  // And the restored authority takes new revocations (its audit chain continues).
  expect((await revoke(authority, 'jti', randomUUID(), 'after the restore')).status).toBe(202);
}

/** The commands docs/operations.md gives for backing up and restoring the store, through a running authority under load. */
describe('store backup and restore', () => {
  let authority: AuthorityHandle | undefined;
  const databases: TestDatabase[] = [];
  const scratch = mkdtempSync(join(tmpdir(), 'revmesh-e2e-backup-'));
  afterEach(async () => {
    await authority?.process.stop();
    authority = undefined;
  });
  afterAll(async () => {
    await Promise.all(databases.map((d) => d.drop()));
    rmSync(scratch, { recursive: true, force: true });
  });

  it('SQLite: store:backup of a live store while revocations are written; store:restore with its audit chain intact and everything accepted before the backup', async () => {
    // SQLite whatever engine the e2e run uses otherwise (an empty REVMESH_DATABASE_URL is unset).
    authority = await startAuthority({ brokers: process.env['KAFKA_BROKERS']!, topicPrefix: uniquePrefix('backup'), extraEnv: { REVMESH_DATABASE_URL: '' } });
    const live = authority;
    const stream = revocationStream(live);
    const file = join(scratch, 'authority-backup.db');
    const backup = await stream.around(() => runCommand('store-backup.js', ['--to', file, '--json'], { REVMESH_DATA_DIR: live.dataDir }));

    expect(backup).toMatchObject({ code: 0, stderr: '' });
    const summary = JSON.parse(backup.stdout) as { ok: boolean; file: string; bytes: number; schemaVersion: number; lastAuditSeq: number };
    expect(summary).toMatchObject({ ok: true, file });
    expect(summary.bytes).toBeGreaterThan(0);
    // Only the backup file is left beside it: no staging folder, no -wal.
    expect(readdirSync(scratch)).toEqual(['authority-backup.db']);

    // A backup never overwrites a file.
    const again = await runCommand('store-backup.js', ['--to', file], { REVMESH_DATA_DIR: live.dataDir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('exists');

    // Refused while the authority runs on the folder, changing nothing.
    const whileRunning = await runCommand('store-restore.js', ['--from', file], { REVMESH_DATA_DIR: live.dataDir });
    expect(whileRunning.code).toBe(1);
    expect(whileRunning.stderr).toContain('STORE_LOCKED');

    await live.process.stop();
    const restore = await runCommand('store-restore.js', ['--from', file, '--reason', 'restore drill'], { REVMESH_DATA_DIR: live.dataDir });
    expect(restore).toMatchObject({ code: 0, stderr: '' });
    expect(restore.stdout).toContain(`audit log verified up to entry ${summary.lastAuditSeq}`);
    const replaced = /the previous database is kept as (\S+)$/m.exec(restore.stdout)?.[1];
    expect(replaced !== undefined && existsSync(replaced)).toBe(true);

    // The restored chain verifies offline, the restore's own entry included.
    const verified = await runCommand('audit-verify.js', ['--data-dir', live.dataDir, '--json'], {});
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, lastSeq: summary.lastAuditSeq + 1, signedCopies: { ok: true } });

    authority = await startAuthority({ brokers: process.env['KAFKA_BROKERS']!, topicPrefix: live.env['REVMESH_TOPIC_PREFIX']!, previous: live });
    await expectRestoredUpToTheBackup(authority, stream);
  });

  it('PostgreSQL: pg_dump while revocations are written, pg_restore into a new database; the authority starts on it with the same KEK, its audit export verifies', async () => {
    const source = await createTestDatabase('backup_source');
    databases.push(source);
    const target = await createTestDatabase('backup_target');
    databases.push(target);
    authority = await startAuthority({ brokers: process.env['KAFKA_BROKERS']!, topicPrefix: uniquePrefix('pgbackup'), extraEnv: { REVMESH_DATABASE_URL: source.url } });
    const live = authority;
    const stream = revocationStream(live);
    const file = join(scratch, 'revmesh.dump');
    const dump = await stream.around(() => run('pg_dump', ['--format=custom', `--file=${file}`, source.url]));
    expect(dump).toMatchObject({ code: 0, stderr: '' });
    // store:backup is SQLite's: with the PostgreSQL URL in the environment it says what to use.
    const refused = await runCommand('store-backup.js', ['--to', join(scratch, 'not-written.db')], { REVMESH_DATABASE_URL: source.url, REVMESH_DATA_DIR: live.dataDir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('pg_dump');

    await live.process.stop();
    const restore = await run('pg_restore', ['--no-owner', `--dbname=${target.url}`, file]);
    expect(restore).toMatchObject({ code: 0, stderr: '' });

    authority = await startAuthority({
      brokers: process.env['KAFKA_BROKERS']!,
      topicPrefix: live.env['REVMESH_TOPIC_PREFIX']!,
      previous: { ...live, env: { ...live.env, REVMESH_DATABASE_URL: target.url } },
    });
    const restored = authority;
    await expectRestoredUpToTheBackup(restored, stream);
    const exported = await fetch(`${restored.url}/v1/audit/export`, { headers: { authorization: `Bearer ${restored.admin.token}` } });
    expect(exported.status).toBe(200);
    expect(verifyAuditExport(await exported.text())).toMatchObject({ ok: true });
  });
});
