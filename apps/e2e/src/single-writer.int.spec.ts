import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '@revmesh/test-support';
import { issueToken, REPO_ROOT, startAuthority, type AuthorityHandle } from './support/authority-process';
import { uniquePrefix } from './support/wait';

/** Runs the built authority to its end and returns its exit code and output. */
function runToExit(env: Record<string, string>, timeoutMs = 30_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'apps/authority/dist/main.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the second authority did not exit within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Two authorities on one data folder would each sign with keys the other may have revoked. */
describe('one authority per data folder', () => {
  let first: AuthorityHandle | undefined;
  afterAll(async () => {
    await first?.process.stop();
  });

  it('refuses a second authority naming the first, and frees the folder when the first is killed -9', async () => {
    first = await startAuthority({ brokers: process.env['KAFKA_BROKERS']!, topicPrefix: uniquePrefix('writer') });
    const pid = first.process.child.pid;

    const second = await runToExit({ ...first.env, PORT: String(await freePort()) });
    expect(second.code).toBe(1);
    expect(second.output).toContain('STORE_LOCKED');
    expect(second.output).toContain(`pid ${String(pid)}`);
    expect(second.output).not.toContain('listening on');
    // The first one is untouched and keeps serving.
    await expect(issueToken(first)).resolves.toMatch(/^ey/);

    // The lock is the kernel's: a crash leaves nothing stale behind.
    await first.process.stop('SIGKILL');
    first = await startAuthority({ brokers: process.env['KAFKA_BROKERS']!, topicPrefix: first.env['REVMESH_TOPIC_PREFIX']!, previous: first });
    await expect(issueToken(first)).resolves.toMatch(/^ey/);
  });
});
