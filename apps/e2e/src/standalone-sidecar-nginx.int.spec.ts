import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authRequestConfig, createTestDpopKey, findNginx, freePort, nginxConf, startNginx, type NginxProcess } from '@revmesh/test-support';
import { REPO_ROOT } from './support/authority-process';
import { adminApi, claimsOf, E2E_POLICY, revoke, startAuthority, type AuthorityHandle } from './support/authority-process';
import { startRecordingUpstream, type RecordingUpstream } from './support/recording-upstream';
import { startStandaloneSidecar, type StandaloneSidecarHandle } from './support/standalone-sidecar-process';
import { eventually, uniquePrefix } from './support/wait';

const NGINX = findNginx();
const UNDER_CI = process.env['CI'] === 'true';
if (NGINX === undefined && !UNDER_CI) {
  process.stderr.write('\n*** SKIPPED standalone-sidecar-nginx: nginx is not installed (apt-get install -y nginx-light). Under CI=true this fails. ***\n\n');
}

const AUDIENCE = 'orders-api';
/** A second audience of the same service whose tokens live one second, for the expiry case. */
const SHORT_AUDIENCE = 'orders-api-short';
const OTHER_AUDIENCE = 'billing-api';

/**
 * revmesh-sidecar behind a real nginx (`auth_request`, the README's configuration), against a
 * real authority and broker, in front of a plain upstream that records what reaches it.
 */
(NGINX === undefined && !UNDER_CI ? describe.skip : describe)('revmesh-sidecar behind nginx auth_request', () => {
  let authority: AuthorityHandle;
  let sidecar: StandaloneSidecarHandle;
  let upstream: RecordingUpstream;
  let nginx: NginxProcess;
  let base: string;
  let client: { id: string; secret: string };

  const token = async (audience: string): Promise<string> => {
    const response = await fetch(`${authority.url}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', audience, scope: 'orders:read' }).toString(),
    });
    const body = (await response.json()) as { access_token?: string };
    if (!body.access_token) throw new Error(`token request failed: ${response.status} ${JSON.stringify(body)}`);
    return body.access_token;
  };
  const call = (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers });
  /** A refusal by nginx: status, code header and problem document, and the upstream not reached. */
  const expectRefused = async (path: string, headers: Record<string, string>, status: number, code: string) => {
    const reached = upstream.requests.length;
    const response = await call(path, headers);
    const text = await response.text();
    expect({ status: response.status, code: response.headers.get('x-revmesh-code') }).toEqual({ status, code });
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(JSON.parse(text)).toMatchObject({ status, code, type: `urn:revmesh:problem:${code.toLowerCase().replace(/_/g, '-')}` });
    expect(upstream.requests.length).toBe(reached);
    return response;
  };

  beforeAll(async () => {
    if (NGINX === undefined) throw new Error('nginx is required under CI=true: .ci/run installs Debian\'s nginx-light (apt-get install -y nginx-light)');
    authority = await startAuthority({
      brokers: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092',
      topicPrefix: uniquePrefix('standalone-nginx'),
      policy: { ...E2E_POLICY, tokens: { audiences: { [SHORT_AUDIENCE]: { lifetimeSeconds: 1 } } } },
    });
    const registered = await adminApi(authority, 'POST', '/v1/clients', {
      client_id: 'orders-web',
      audiences: [AUDIENCE, SHORT_AUDIENCE, OTHER_AUDIENCE],
      scopes: ['orders:read'],
    });
    if (registered.status !== 201) throw new Error(`client registration failed: ${registered.status} ${JSON.stringify(registered.body)}`);
    client = { id: 'orders-web', secret: String(registered.body['client_secret']) };
    upstream = await startRecordingUpstream();
    // No clock tolerance, so the one-second token is expired two seconds later.
    sidecar = await startStandaloneSidecar(authority, [AUDIENCE, SHORT_AUDIENCE], { REVMESH_CLOCK_TOLERANCE_SECONDS: '0' });
    const port = await freePort();
    nginx = await startNginx({ port, httpConfig: authRequestConfig({ listenPort: port, upstreamUrl: upstream.url, sidecarAddress: sidecar.address }) });
    base = `http://127.0.0.1:${port}`;
  }, 120_000);

  afterAll(async () => {
    await nginx?.stop();
    await sidecar?.process.stop();
    await upstream?.close();
    await authority?.process.stop();
  });

  it("accepts the README's nginx block as pasted inside http { } (nginx -t)", () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const block = /## Services in any language[\s\S]*?```nginx\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toContain('auth_request /_revmesh_auth;');
    const dir = mkdtempSync(join(tmpdir(), 'revmesh-nginx-readme-'));
    try {
      mkdirSync(join(dir, 'temp'));
      writeFileSync(join(dir, 'nginx.conf'), nginxConf(dir, block ?? ''));
      const check = spawnSync(NGINX!, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log'), '-t'], { encoding: 'utf8' });
      expect({ status: check.status, stderr: check.stderr }).toEqual({ status: 0, stderr: expect.stringContaining('test is successful') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('passes a valid token on to the upstream with the verified claims, replacing claim headers the client forged', async () => {
    const valid = await token(AUDIENCE);
    const response = await call('/orders/42?expand=items', { authorization: `Bearer ${valid}`, 'x-revmesh-sub': 'mallory', 'x-revmesh-client-id': 'forged' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('upstream reached');
    const reached = upstream.requests.at(-1);
    expect(reached).toMatchObject({ method: 'GET', url: '/orders/42?expand=items' });
    const claims = claimsOf(valid);
    expect(reached?.headers).toMatchObject({ 'x-revmesh-sub': claims['sub'], 'x-revmesh-client-id': 'orders-web', 'x-revmesh-scope': 'orders:read' });
  });

  it('answers 401 TOKEN_MISSING without a token, with the Bearer challenge, and the upstream is never reached', async () => {
    const response = await expectRefused('/orders', {}, 401, 'TOKEN_MISSING');
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    await expectRefused('/orders', { authorization: 'Bearer not-a-token' }, 401, 'MALFORMED');
  });

  it('DPoP: a bound token passes with a proof of the URL the client addressed (X-Original-URL); as a bearer token, or with a reused proof, it is refused', async () => {
    const key = await createTestDpopKey();
    const tokenUrl = `${authority.url}/oauth/token`;
    const issued = await fetch(tokenUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`,
        dpop: await key.proof({ htm: 'POST', htu: tokenUrl }),
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', audience: AUDIENCE, scope: 'orders:read' }).toString(),
    });
    const bound = ((await issued.json()) as { access_token: string }).access_token;
    const proof = await key.proof({ htm: 'GET', htu: `${base}/orders/42`, accessToken: bound });
    const passed = await call('/orders/42?expand=items', { authorization: `DPoP ${bound}`, dpop: proof });
    expect(passed.status).toBe(200);
    const replayed = await expectRefused('/orders/42', { authorization: `DPoP ${bound}`, dpop: proof }, 401, 'DPOP_REPLAY');
    expect(replayed.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_dpop_proof"/);
    const asBearer = await expectRefused('/orders/42', { authorization: `Bearer ${bound}` }, 401, 'DPOP_REQUIRED');
    expect(asBearer.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_token"/);
    await expectRefused('/orders/7', { authorization: `DPoP ${bound}`, dpop: await key.proof({ htm: 'GET', htu: `${base}/orders/42`, accessToken: bound }) }, 401, 'DPOP_INVALID');
  });

  it('answers 401 AUDIENCE_MISMATCH for a token of another audience', async () => {
    const response = await expectRefused('/orders', { authorization: `Bearer ${await token(OTHER_AUDIENCE)}` }, 401, 'AUDIENCE_MISMATCH');
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('answers 401 TOKEN_EXPIRED once a token has expired', async () => {
    const short = await token(SHORT_AUDIENCE);
    const exp = Number(claimsOf(short)['exp']);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp * 1000 - Date.now()) + 1100));
    await expectRefused('/orders', { authorization: `Bearer ${short}` }, 401, 'TOKEN_EXPIRED');
  });

  it('answers 401 TOKEN_REVOKED once the authority revoked the token by jti', async () => {
    const doomed = await token(AUDIENCE);
    expect((await call('/orders', { authorization: `Bearer ${doomed}` })).status).toBe(200);
    const revocation = await revoke(authority, 'jti', String(claimsOf(doomed)['jti']));
    expect(revocation.status).toBe(202);
    await eventually('nginx refuses the revoked token', async () => (await call('/orders', { authorization: `Bearer ${doomed}` })).status === 401);
    await expectRefused('/orders', { authorization: `Bearer ${doomed}` }, 401, 'TOKEN_REVOKED');
  });

  it("answers a breach drill's probe with the instance id the authority lists for the audience; a revoked token is refused there too", async () => {
    const canary = await token(AUDIENCE);
    const probe = () => fetch(`http://${sidecar.address}/_revmesh/probe`, { headers: { authorization: `Bearer ${canary}` } });
    const accepted = await probe();
    expect(accepted.status).toBe(200);
    const answer = (await accepted.json()) as Record<string, unknown>;
    expect(answer).toMatchObject({ accepted: true, sub: claimsOf(canary)['sub'], scope: 'orders:read', instance_id: expect.any(String) });
    // The id a drill matches the authority's record by: the one the sidecar's heartbeats carry.
    await eventually('the authority lists the probed instance', async () => {
      const listed = await adminApi(authority, 'GET', '/v1/instances');
      const instances = (listed.body['instances'] ?? []) as { instance_id: string; live: boolean; audiences: string[] }[];
      return instances.some((i) => i.instance_id === answer['instance_id'] && i.live && i.audiences.includes(AUDIENCE));
    });
    expect(await revoke(authority, 'jti', String(claimsOf(canary)['jti']))).toMatchObject({ status: 202 });
    await eventually('the probe refuses the revoked token', async () => (await probe()).status === 401);
    const refused = await probe();
    expect({ status: refused.status, code: refused.headers.get('x-revmesh-code') }).toEqual({ status: 401, code: 'TOKEN_REVOKED' });
  });

  it('answers 503 LOCKDOWN to everyone, with or without a valid token, while a kill switch locks the audience down', async () => {
    const valid = await token(AUDIENCE);
    const engaged = await adminApi(authority, 'POST', '/v1/kill-switch', { audience: AUDIENCE, lockdown: true });
    expect(engaged.status).toBeLessThan(300);
    await eventually('nginx answers 503', async () => (await call('/orders', { authorization: `Bearer ${valid}` })).status === 503);
    await expectRefused('/orders', { authorization: `Bearer ${valid}` }, 503, 'LOCKDOWN');
    await expectRefused('/orders', {}, 503, 'LOCKDOWN');
    expect(nginx.errorLog()).toContain('auth request unexpected status: 503');
  });

  it('exits 0 on SIGTERM; nginx then fails closed with 503 and the upstream is not reached', async () => {
    expect(await sidecar.process.stop('SIGTERM')).toBe(0);
    expect(sidecar.process.output()).toContain('received SIGTERM, shutting down');
    const reached = upstream.requests.length;
    const response = await call('/orders', { authorization: `Bearer ${await token(AUDIENCE)}` });
    expect(response.status).toBe(503);
    expect(upstream.requests.length).toBe(reached);
  });
});
