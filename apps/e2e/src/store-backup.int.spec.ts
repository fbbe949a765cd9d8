import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getRevocation, REPO_ROOT, revoke, startAuthority, type AuthorityHandle } from './support/authority-process';
import { eventually, uniquePrefix } from './support/wait';

/** Runs one of the authority's commands (`apps/authority/dist/<script>`) to its end. */
function runCommand(script: string, args: readonly string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(REPO_ROOT, 'apps/authority/dist', script), ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

type Phase = 'before' | 'during' | 'after';

/** `npm run store:backup` and `npm run store:restore`, as docs/operations.md tells an operator to use them. */
describe('store backup and restore', () => {
  let authority: AuthorityHandle | undefined;
  const scratch = mkdtempSync(join(tmpdir(), 'revmesh-e2e-backup-'));
  afterAll(async () => {
    await authority?.process.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('backs up a live store while revocations are written; the restore has its audit chain intact and everything accepted before the backup', async () => {
    authority = await startAuthority({ brokers: process.env['KAFKA_BROKERS']!, topicPrefix: uniquePrefix('backup') });
    const live = authority;
    const accepted: { readonly id: string; readonly phase: Phase }[] = [];
    let phase: Phase = 'before';
    let writing = true;
    // Four writers, so the backup meets group commits of several revocations.
    const writers = Array.from({ length: 4 }, async () => {
      while (writing) {
        const sentIn = phase;
        const response = await revoke(live, 'jti', randomUUID(), 'backup test');
        if (response.status !== 202) throw new Error(`revocation refused: ${response.status} ${JSON.stringify(response.body)}`);
        accepted.push({ id: response.body.id, phase: sentIn });
      }
    });
    await eventually('40 revocations accepted before the backup', () => accepted.length >= 40);

    const file = join(scratch, 'authority-backup.db');
    phase = 'during';
    const backup = await runCommand('store-backup.js', ['--to', file, '--json'], { REVMESH_DATA_DIR: live.dataDir });
    phase = 'after';
    const afterBackup = accepted.length;
    await eventually('revocations accepted after the backup', () => accepted.length >= afterBackup + 20);
    writing = false;
    await Promise.all(writers);

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
    const restored = authority;
    const statusOf = async (id: string) => (await getRevocation(restored, id)).status;
    const before = accepted.filter((a) => a.phase === 'before');
    const after = accepted.filter((a) => a.phase === 'after');
    // Everything accepted before the backup started is there; what was sent after it finished is not.
    expect(await Promise.all(before.map((a) => statusOf(a.id)))).toEqual(before.map(() => 200));
    expect(await Promise.all(after.map((a) => statusOf(a.id)))).toEqual(after.map(() => 404));
    // And the restored authority takes new revocations (its audit chain continues).
    expect((await revoke(restored, 'jti', randomUUID(), 'after the restore')).status).toBe(202);
  });
});
