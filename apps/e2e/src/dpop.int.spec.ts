import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestDpopKey, type TestDpopKey } from '@revmesh/test-support';
import { claimsOf, REPO_ROOT, revoke, startAuthority, type AuthorityHandle } from './support/authority-process';
import { startDemoApi, type DemoApiHandle } from './support/demo-api-process';
import { eventually, uniquePrefix } from './support/wait';

/**
 * DPoP (RFC 9449) end to end: tokens bound to a client key by the real authority, checked by the
 * sidecars of three demo-api processes (Fastify adapter), and a `jkt` revocation pushed through
 * the real broker.
 */
describe('DPoP-bound tokens at three services', () => {
  let authority: AuthorityHandle;
  let apis: DemoApiHandle[];

  beforeAll(async () => {
    authority = await startAuthority({ brokers: process.env['KAFKA_BROKERS']!, topicPrefix: uniquePrefix('dpop') });
    apis = await Promise.all(['dpop-a', 'dpop-b', 'dpop-c'].map((id) => startDemoApi(authority, id)));
  });
  afterAll(async () => {
    await Promise.all((apis ?? []).map((api) => api.process.stop()));
    await authority?.process.stop();
  });

  /** client_credentials with a proof of `key`: the authority binds the token to it. */
  const dpopToken = async (key: TestDpopKey): Promise<{ token: string; tokenType: string }> => {
    const tokenUrl = `${authority.url}/oauth/token`;
    const response = await fetch(tokenUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${authority.clientId}:${authority.clientSecret}`).toString('base64')}`,
        dpop: await key.proof({ htm: 'POST', htu: tokenUrl }),
      },
      body: 'grant_type=client_credentials',
    });
    const body = (await response.json()) as { access_token: string; token_type: string };
    expect(response.status).toBe(200);
    return { token: body.access_token, tokenType: body.token_type };
  };
  const helloUrl = (api: DemoApiHandle): string => `${api.url}/v1/hello`;
  /** GET /v1/hello with the token under `scheme`, and `proof` in the DPoP header when given. */
  const hello = async (api: DemoApiHandle, token: string, scheme: 'DPoP' | 'Bearer', proof?: string): Promise<{ status: number; code?: string; challenge: string | null }> => {
    const response = await fetch(helloUrl(api), { headers: { authorization: `${scheme} ${token}`, ...(proof === undefined ? {} : { dpop: proof }) } });
    const body = (await response.json()) as { code?: string };
    return { status: response.status, ...(body.code === undefined ? {} : { code: body.code }), challenge: response.headers.get('www-authenticate') };
  };
  const withProof = async (api: DemoApiHandle, key: TestDpopKey, token: string) => hello(api, token, 'DPoP', await key.proof({ htm: 'GET', htu: helloUrl(api), accessToken: token }));

  it('a bound token (cnf.jkt, token_type DPoP) passes with a proof of its key at every service', async () => {
    const key = await createTestDpopKey();
    const { token, tokenType } = await dpopToken(key);
    expect(tokenType).toBe('DPoP');
    expect(claimsOf(token)['cnf']).toEqual({ jkt: key.jkt });
    for (const api of apis) expect(await withProof(api, key, token)).toMatchObject({ status: 200 });
  });

  it('stolen: replayed without its key, as a bearer token, with a wrong htu or a reused proof, it is refused with the right code', async () => {
    const key = await createTestDpopKey();
    const thief = await createTestDpopKey();
    const { token } = await dpopToken(key);
    for (const api of apis) {
      // Without the key: the thief can only sign proofs with another one.
      expect(await withProof(api, thief, token)).toMatchObject({ status: 401, code: 'DPOP_INVALID', challenge: expect.stringMatching(/^DPoP error="invalid_dpop_proof"/) });
      const asBearer = await hello(api, token, 'Bearer');
      expect(asBearer).toMatchObject({ status: 401, code: 'DPOP_REQUIRED', challenge: expect.stringMatching(/^DPoP error="invalid_token"/) });
      // A proof captured for another service (another htu) does not open this one.
      const other = apis.find((a) => a !== api)!;
      expect(await hello(api, token, 'DPoP', await key.proof({ htm: 'GET', htu: helloUrl(other), accessToken: token }))).toMatchObject({ status: 401, code: 'DPOP_INVALID' });
      const proof = await key.proof({ htm: 'GET', htu: helloUrl(api), accessToken: token });
      expect(await hello(api, token, 'DPoP', proof)).toMatchObject({ status: 200 });
      expect(await hello(api, token, 'DPoP', proof)).toMatchObject({ status: 401, code: 'DPOP_REPLAY', challenge: expect.stringMatching(/^DPoP error="invalid_dpop_proof"/) });
    }
  });

  it('revoking the key thumbprint (jkt) rejects every token bound to it at every service; a token bound to another key passes', async () => {
    const stolen = await createTestDpopKey();
    const other = await createTestDpopKey();
    const first = await dpopToken(stolen);
    const second = await dpopToken(stolen);
    const unaffected = await dpopToken(other);
    for (const api of apis) expect(await withProof(api, stolen, first.token)).toMatchObject({ status: 200 });

    const { status } = await revoke(authority, 'jkt', stolen.jkt, 'client key stolen');
    expect(status).toBe(202);
    for (const api of apis) {
      await eventually(`jkt revocation applied at ${api.url}`, async () => (await withProof(api, stolen, first.token)).status === 401);
      expect(await withProof(api, stolen, first.token)).toMatchObject({ status: 401, code: 'TOKEN_REVOKED' });
      expect(await withProof(api, stolen, second.token)).toMatchObject({ status: 401, code: 'TOKEN_REVOKED' });
      expect(await withProof(api, other, unaffected.token)).toMatchObject({ status: 200 });
    }
    // And the authority binds no new token to the revoked key.
    const tokenUrl = `${authority.url}/oauth/token`;
    const refused = await fetch(tokenUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${authority.clientId}:${authority.clientSecret}`).toString('base64')}`,
        dpop: await stolen.proof({ htm: 'POST', htu: tokenUrl }),
      },
      body: 'grant_type=client_credentials',
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: 'invalid_dpop_proof' });
  });

  it("the README's DPoP client (jose) runs as documented: a DPoP token, then 200 from a service", async () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const script = /```js\n(\/\/ dpop-client\.mjs[\s\S]*?)```/.exec(readme)?.[1];
    expect(script).toBeDefined();
    // Inside the repository, so the script's `import 'jose'` resolves as in a project that installed it.
    const dir = mkdtempSync(join(REPO_ROOT, 'node_modules', '.revmesh-readme-dpop-'));
    try {
      writeFileSync(join(dir, 'dpop-client.mjs'), script!);
      const { stdout } = await promisify(execFile)(process.execPath, [join(dir, 'dpop-client.mjs')], {
        env: { PATH: process.env['PATH'] ?? '', REVMESH_ISSUER: authority.url, CLIENT_ID: authority.clientId, CLIENT_SECRET: authority.clientSecret, API: helloUrl(apis[0]!) },
      });
      expect(stdout).toMatch(/^DPoP bound to [A-Za-z0-9_-]{43}\n200 /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
