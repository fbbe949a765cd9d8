import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const MAIN = join(__dirname, '..', 'dist', 'main.js');

/** The built process (`npm run build` first), as a user starts it: configuration mistakes stop it at once. */
describe('revmesh-sidecar process', () => {
  it('exits 2 listing every configuration problem, naming the variables and the fix', () => {
    const run = spawnSync(process.execPath, [MAIN], { env: { PATH: process.env['PATH'], REVMESH_SIDECAR_PORT: 'http' }, encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('invalid revmesh-sidecar configuration');
    for (const variable of ['REVMESH_SIDECAR_PORT', 'KAFKA_BROKERS', 'REVMESH_ISSUER', 'REVMESH_AUDIENCE', 'REVMESH_EVENT_SIGNERS']) expect(run.stderr).toContain(variable);
  });

  it("exits 2 naming the variable when the library refuses a value, before connecting to anything", () => {
    const signer = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'k1' };
    const run = spawnSync(process.execPath, [MAIN], {
      env: {
        PATH: process.env['PATH'],
        KAFKA_BROKERS: '127.0.0.1:1',
        REVMESH_ISSUER: 'http://127.0.0.1:8080',
        REVMESH_AUDIENCE: 'orders-api',
        REVMESH_EVENT_SIGNERS: JSON.stringify([signer]),
        REVMESH_TOPIC_PREFIX: 'not a prefix!',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('options.topicPrefix (REVMESH_TOPIC_PREFIX)');
  });
});
