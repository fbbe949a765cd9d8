import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '@revmesh/test-support';

const MAIN = join(__dirname, '..', 'dist', 'main.js');
/** A well-formed public Ed25519 JWK (nothing is ever verified with it here). */
const SIGNER = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'k1' };

/** The built process (`npm run build` first), as a user starts it: configuration mistakes stop it at once. */
describe('revmesh-sidecar process', () => {
  it('exits 2 listing every configuration problem, naming the variables and the fix', () => {
    const run = spawnSync(process.execPath, [MAIN], { env: { PATH: process.env['PATH'], REVMESH_SIDECAR_PORT: 'http' }, encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('invalid revmesh-sidecar configuration');
    for (const variable of ['REVMESH_SIDECAR_PORT', 'KAFKA_BROKERS', 'REVMESH_ISSUER', 'REVMESH_AUDIENCE', 'REVMESH_EVENT_SIGNERS']) expect(run.stderr).toContain(variable);
  });

  it("exits 2 naming the variable when the library refuses a value, before connecting to anything", () => {
    const run = spawnSync(process.execPath, [MAIN], {
      env: {
        PATH: process.env['PATH'],
        KAFKA_BROKERS: '127.0.0.1:1',
        REVMESH_ISSUER: 'http://127.0.0.1:8080',
        REVMESH_AUDIENCE: 'orders-api',
        REVMESH_EVENT_SIGNERS: JSON.stringify([SIGNER]),
        REVMESH_TOPIC_PREFIX: 'not a prefix!',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('options.topicPrefix (REVMESH_TOPIC_PREFIX)');
  });

  it('answers 503 NOT_READY while it cannot reach the broker, and exits within the shutdown bound on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env['PATH'],
        KAFKA_BROKERS: '127.0.0.1:1',
        REVMESH_ISSUER: 'http://127.0.0.1:8080',
        REVMESH_AUDIENCE: 'orders-api',
        REVMESH_EVENT_SIGNERS: JSON.stringify([SIGNER]),
        REVMESH_SIDECAR_PORT: String(port),
        REVMESH_LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const deadline = Date.now() + 15_000;
      let live = false;
      while (!live && Date.now() < deadline) {
        live = await fetch(`http://127.0.0.1:${port}/health/live`).then((r) => r.ok, () => false);
        if (!live) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(live).toBe(true);
      expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(503);
      const auth = await fetch(`http://127.0.0.1:${port}/auth`, { headers: { authorization: 'Bearer a.b.c' } });
      expect({ status: auth.status, code: auth.headers.get('x-revmesh-code') }).toEqual({ status: 503, code: 'NOT_READY' });

      const signalled = Date.now();
      child.kill('SIGTERM');
      const code = await exited;
      expect(Date.now() - signalled).toBeLessThan(12_000);
      expect([0, 1]).toContain(code);
      expect(output).toContain('received SIGTERM, shutting down');
    } finally {
      child.kill('SIGKILL');
    }
  }, 40_000);
});
