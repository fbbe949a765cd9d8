import type { ServiceProcess } from '@revmesh/test-support';
import { claimsOf, issueToken, revoke, startAuthority, type AuthorityHandle } from './support/authority-process';
import { startDemoApi } from './support/demo-api-process';
import { eventually, uniquePrefix } from './support/wait';

/** The demo API as a real process: the sidecar's Fastify hook answers 401 problem+json with the sidecar's code. */
describe('demo-api protected by the sidecar', () => {
  let authority: AuthorityHandle;
  let api: ServiceProcess;
  let url: string;

  beforeAll(async () => {
    authority = await startAuthority({ brokers: process.env['KAFKA_BROKERS']!, topicPrefix: uniquePrefix('demoapi') });
    const demo = await startDemoApi(authority, 'demo-api-e2e');
    url = demo.url;
    api = demo.process;
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
