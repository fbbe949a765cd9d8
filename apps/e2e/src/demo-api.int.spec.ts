import { join } from 'node:path';
import { freePort, startServiceProcess, type ServiceProcess } from '@revmesh/test-support';
import { claimsOf, issueToken, REPO_ROOT, revoke, startAuthority, type AuthorityHandle } from './support/authority-process';
import { eventually, uniquePrefix } from './support/wait';

/** The demo API as a real process: the sidecar's Fastify hook answers 401 problem+json with the sidecar's code. */
describe('demo-api protected by the sidecar', () => {
  let authority: AuthorityHandle;
  let api: ServiceProcess;
  let url: string;

  beforeAll(async () => {
    authority = await startAuthority({ brokers: process.env['KAFKA_BROKERS']!, topicPrefix: uniquePrefix('demoapi') });
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    api = await startServiceProcess({
      name: 'demo-api',
      command: process.execPath,
      args: [join(REPO_ROOT, 'apps/demo-api/dist/main.js')],
      env: {
        PATH: process.env['PATH'],
        PORT: String(port),
        KAFKA_BROKERS: process.env['KAFKA_BROKERS'],
        AUTHORITY_URL: authority.url,
        REVMESH_AUDIENCE: 'demo-api',
        REVMESH_TOPIC_PREFIX: authority.env['REVMESH_TOPIC_PREFIX'],
        REVMESH_INSTANCE_ID: 'demo-api-e2e',
      },
      readyLine: /ready on/,
      readyTimeoutMs: 60_000,
    });
  });
  afterAll(async () => {
    await api?.stop();
    await authority?.process.stop();
  });

  const hello = (token?: string) => fetch(`${url}/v1/hello`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  it('answers 200 with the sub for a valid token and 401 problem+json with a code otherwise', async () => {
    const token = await issueToken(authority);
    const ok = await hello(token);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ hello: authority.clientId });

    const missing = await hello();
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await missing.json()).toMatchObject({ status: 401, code: 'TOKEN_MISSING' });

    const garbage = await hello('not.a.jwt');
    expect(garbage.status).toBe(401);
    expect(await garbage.json()).toMatchObject({ code: 'MALFORMED' });

    await revoke(authority, 'jti', String(claimsOf(token)['jti']));
    await eventually('revoked token rejected over HTTP', async () => (await hello(token)).status === 401);
    const revoked = await hello(token);
    expect(await revoked.json()).toMatchObject({ status: 401, code: 'TOKEN_REVOKED' });
  });
});
