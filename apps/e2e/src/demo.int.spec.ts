import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './support/authority-process';

const run = promisify(execFile);

/** Keeps the README's `npm run demo` true: the built demo runs start to finish against the test broker. */
describe('npm run demo', () => {
  it('shows a token accepted by three services, revoked, then rejected by all three with their latency', async () => {
    const { stdout } = await run(process.execPath, [join(REPO_ROOT, 'tools/demo/dist/main.js'), '--once'], {
      env: { PATH: process.env['PATH'], KAFKA_BROKERS: process.env['KAFKA_BROKERS'] },
      timeout: 120_000,
    });
    const accepted = stdout.match(/demo-api-\d: GET \/v1\/hello -> 200/g) ?? [];
    const rejected = stdout.match(/demo-api-\d: GET \/v1\/hello -> 401 TOKEN_REVOKED; revocation applied [\d.]+ ms/g) ?? [];
    expect(accepted).toHaveLength(3);
    expect(rejected).toHaveLength(3);
  });
});
