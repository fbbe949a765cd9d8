import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Sidecar } from '@revmesh/sidecar';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { adminApi, startAuthority, type AuthorityHandle } from './support/authority-process';
import { startSidecars } from './support/sidecars';
import { eventually, uniquePrefix } from './support/wait';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * The client lifecycle through the real authority process and broker: disabling a client ends
 * the tokens it holds at every sidecar (a client_id revocation) and refuses it new ones; secret
 * rotation keeps both secrets working during the overlap; a private_key_jwt client gets tokens
 * with no shared secret, and a replayed assertion is refused.
 */
describe('client lifecycle', () => {
  let authority: AuthorityHandle;
  let sidecars: Sidecar[];

  beforeAll(async () => {
    authority = await startAuthority({ brokers: process.env['KAFKA_BROKERS']!, topicPrefix: uniquePrefix('clients') });
    sidecars = await startSidecars(authority, 3);
  });
  afterAll(async () => {
    await Promise.all((sidecars ?? []).map((s) => s.close()));
    await authority?.process.stop();
  });

  const tokenRequest = (form: Record<string, string>, basic?: { id: string; secret: string }) =>
    fetch(`${authority.url}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(basic === undefined ? {} : { authorization: `Basic ${Buffer.from(`${basic.id}:${basic.secret}`).toString('base64')}` }),
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', ...form }).toString(),
    });
  const tokenOf = async (response: Response): Promise<string> => {
    const body = (await response.json()) as { access_token?: string };
    if (response.status !== 200 || body.access_token === undefined) throw new Error(`token request failed: ${response.status} ${JSON.stringify(body)}`);
    return body.access_token;
  };
  const addClient = async (payload: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const { status, body } = await adminApi(authority, 'POST', '/v1/clients', { audiences: ['demo-api'], scopes: [], ...payload });
    expect(status).toBe(201);
    return body;
  };

  it('disabling a client makes three sidecars reject its tokens; the token endpoint refuses it; other clients are untouched; enable lets it back', async () => {
    const leaked = await addClient({ client_id: 'leaky-batch' });
    const secret = String(leaked['client_secret']);
    const doomed = await tokenOf(await tokenRequest({}, { id: 'leaky-batch', secret }));
    const other = await tokenOf(await tokenRequest({}, { id: authority.clientId, secret: authority.clientSecret }));
    for (const sidecar of sidecars) expect(await sidecar.verify(doomed)).toMatchObject({ ok: true });

    const disabled = await adminApi(authority, 'POST', '/v1/clients/leaky-batch/disable', { reason: 'secret pushed to a public repo' });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ client: { client_id: 'leaky-batch', enabled: false }, revocation: { target: 'client_id', value: 'leaky-batch' } });

    for (const sidecar of sidecars) {
      await eventually('client_id revocation applied', async () => !(await sidecar.verify(doomed)).ok);
      expect(await sidecar.verify(doomed)).toMatchObject({ ok: false, code: 'TOKEN_REVOKED', target: 'client_id' });
      expect(await sidecar.verify(other)).toMatchObject({ ok: true });
    }
    const refused = await tokenRequest({}, { id: 'leaky-batch', secret });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: 'invalid_client' });

    expect((await adminApi(authority, 'POST', '/v1/clients/leaky-batch/enable', {})).status).toBe(200);
    const fresh = await tokenOf(await tokenRequest({}, { id: 'leaky-batch', secret }));
    for (const sidecar of sidecars) {
      expect(await sidecar.verify(fresh)).toMatchObject({ ok: true });
      expect(await sidecar.verify(doomed)).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });
    }
  });

  it('secret rotation: both secrets work during the overlap; a rotation without overlap leaves only the newest', async () => {
    const first = String((await addClient({ client_id: 'rotating-svc' }))['client_secret']);
    const second = await adminApi(authority, 'POST', '/v1/clients/rotating-svc/rotate-secret', { overlap_seconds: 3600 });
    expect(second.status).toBe(200);
    const secondSecret = String(second.body['client_secret']);
    expect((await tokenRequest({}, { id: 'rotating-svc', secret: first })).status).toBe(200);
    expect((await tokenRequest({}, { id: 'rotating-svc', secret: secondSecret })).status).toBe(200);

    const third = await adminApi(authority, 'POST', '/v1/clients/rotating-svc/rotate-secret', { overlap_seconds: 0 });
    const thirdSecret = String(third.body['client_secret']);
    expect((await tokenRequest({}, { id: 'rotating-svc', secret: first })).status).toBe(401);
    expect((await tokenRequest({}, { id: 'rotating-svc', secret: secondSecret })).status).toBe(401);
    const token = await tokenOf(await tokenRequest({}, { id: 'rotating-svc', secret: thirdSecret }));
    expect(await sidecars[0]!.verify(token)).toMatchObject({ ok: true });
  });

  it('private_key_jwt: a token with no shared secret, accepted by the sidecars; a wrong key or a replayed assertion is refused', async () => {
    const pair = await generateKeyPair('ES256');
    await addClient({ client_id: 'keyed-svc', jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1' }] } });
    const assertion = (key: CryptoKey, jti = randomUUID()) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer('keyed-svc')
        .setSubject('keyed-svc')
        .setAudience(`${authority.url}/oauth/token`)
        .setJti(jti)
        .setIssuedAt()
        .setExpirationTime('1m')
        .sign(key);
    const once = await assertion(pair.privateKey);
    const token = await tokenOf(await tokenRequest({ client_assertion_type: JWT_BEARER, client_assertion: once }));
    for (const sidecar of sidecars) expect(await sidecar.verify(token)).toMatchObject({ ok: true, claims: { client_id: 'keyed-svc' } });
    expect((await tokenRequest({ client_assertion_type: JWT_BEARER, client_assertion: once })).status).toBe(401);
    const wrongKey = (await generateKeyPair('ES256')).privateKey;
    expect((await tokenRequest({ client_assertion_type: JWT_BEARER, client_assertion: await assertion(wrongKey) })).status).toBe(401);
  });

  it('private_key_jwt with a jwks_uri: the authority fetches the client\'s keys from its URL', async () => {
    const pair = await generateKeyPair('ES256');
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'remote-1', alg: 'ES256' }] });
    let fetches = 0;
    const server = createServer((_req, res) => {
      fetches += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      await addClient({ client_id: 'remote-keyed', jwks_uri: `http://127.0.0.1:${port}/jwks.json` });
      const assertion = await new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: 'remote-1' })
        .setIssuer('remote-keyed')
        .setSubject('remote-keyed')
        .setAudience(`${authority.url}/oauth/token`)
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime('1m')
        .sign(pair.privateKey);
      const token = await tokenOf(await tokenRequest({ client_assertion_type: JWT_BEARER, client_assertion: assertion, client_id: 'remote-keyed' }));
      expect(await sidecars[0]!.verify(token)).toMatchObject({ ok: true, claims: { client_id: 'remote-keyed' } });
      expect(fetches).toBe(1);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
