import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getRevocation, revoke, startAuthority, type AuthorityHandle } from './support/authority-process';
import { uniquePrefix } from './support/wait';

/** A small file system of its own for the authority's data folder (tmpfs: root only, as in CI). */
function mountSmallDisk(megabytes: number): { dir: string; unmount(): void } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'revmesh-small-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    if (process.env['CI']) throw new Error(`cannot mount a tmpfs for the full-disk test (CI runs as root): ${String(error)}`);
    return undefined;
  }
  return {
    dir,
    unmount() {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fills the file system until the kernel says ENOSPC. */
function fill(dir: string): string {
  const filler = join(dir, 'filler');
  const chunk = Buffer.alloc(1024 * 1024, 1);
  try {
    for (let i = 0; i < 1024; i++) writeFileSync(filler, chunk, { flag: 'a' });
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOSPC') throw error;
  }
  return filler;
}

const disk = mountSmallDisk(48);
const describeWithDisk = disk === undefined ? describe.skip : describe;
if (disk === undefined) process.stderr.write('store-full.int.spec: SKIPPED (mounting a tmpfs needs root)\n');

describeWithDisk('the authority on a full disk (real process, tmpfs data folder)', () => {
  let authority: AuthorityHandle;
  beforeAll(async () => {
    const dataDir = join(disk!.dir, 'authority');
    mkdirSync(dataDir);
    authority = await startAuthority({ brokers: process.env['KAFKA_BROKERS']!, topicPrefix: uniquePrefix('diskfull'), extraEnv: { REVMESH_DATA_DIR: dataDir } });
  });
  afterAll(async () => {
    await authority?.process.stop();
    disk!.unmount();
  });

  it('answers 503 STORE_UNAVAILABLE with Retry-After and readiness failing while full, loses no accepted revocation, and recovers', async () => {
    const before = await revoke(authority, 'jti', 'accepted-before-the-disk-filled');
    expect(before.status).toBe(202);

    const filler = fill(disk!.dir);
    const ready = await fetch(`${authority.url}/health/ready`);
    expect(ready.status).toBe(503);
    // The store is the failing reason, listed first (others, such as a reconnecting consumer, may follow).
    expect(await ready.json()).toMatchObject({ status: 'failing', reasons: expect.arrayContaining([expect.objectContaining({ component: 'store', status: 'failing' })]) });

    let refused = await revoke(authority, 'jti', 'refused-on-full-disk-0');
    for (let i = 1; refused.status === 202 && i < 200; i++) refused = await revoke(authority, 'jti', `refused-on-full-disk-${i}`);
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ code: 'STORE_UNAVAILABLE', retry_after_seconds: 30 });
    // Liveness stays cheap and green: restarting would not free the disk.
    expect((await fetch(`${authority.url}/healthz`)).status).toBe(200);
    // The metric behind the RevmeshStoreUnwritable alert.
    expect(await (await fetch(`${authority.url}/metrics`)).text()).toMatch(/^revmesh_authority_store_writable\{[^}]*\} 0$/m);

    rmSync(filler);
    const after = await revoke(authority, 'jti', 'accepted-after-space-was-freed');
    expect(after.status).toBe(202);
    for (const id of [before.body.id, after.body.id]) {
      const deadline = Date.now() + 20_000;
      let status = await getRevocation(authority, id);
      while (status.body.published !== true && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        status = await getRevocation(authority, id);
      }
      expect(status.body.published).toBe(true);
    }
    expect((await fetch(`${authority.url}/health/ready`)).status).toBe(200);
    expect(await (await fetch(`${authority.url}/metrics`)).text()).toMatch(/^revmesh_authority_store_writable\{[^}]*\} 1$/m);
  });
});
