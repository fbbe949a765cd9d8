import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Sidecar } from '@revmesh/sidecar';
import { createTestIssuer, type TestIssuer } from '@revmesh/test-support';
import { adminApi, claimsOf, issueToken, startAuthority, type AuthorityHandle } from './support/authority-process';
import { startSidecars } from './support/sidecars';
import { eventually, uniquePrefix } from './support/wait';

/** A minimal OpenID provider on a loopback port: a discovery document and its JWKS, over real HTTP. */
interface LocalProvider {
  readonly issuer: string;
  readonly signer: TestIssuer;
  /** Paths requested, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

async function startLocalProvider(audience: string): Promise<LocalProvider> {
  const requests: string[] = [];
  // Both known once the port is: the server answers nothing before then.
  const known: { issuer: string; jwks?: TestIssuer['jwks'] } = { issuer: '' };
  const server: Server = createServer((request, response) => {
    const path = request.url ?? '';
    requests.push(path);
    const json = (body: unknown) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (path === '/realms/acme/.well-known/openid-configuration') json({ issuer: known.issuer, jwks_uri: `${known.issuer}/protocol/openid-connect/certs` });
    else if (path === '/realms/acme/protocol/openid-connect/certs') json(known.jwks);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/realms/acme`;
  const signer = await createTestIssuer({ issuer, audience, alg: 'RS256' });
  known.issuer = issuer;
  known.jwks = signer.jwks;
  return { issuer, signer, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/**
 * Two issuers in one sidecar: the revmesh authority (keys from the keys topic) and a second OpenID
 * provider served over HTTP (discovery → jwks_uri, RS256, `typ: JWT`, the client in `azp`). The
 * provider is registered through `POST /v1/issuers`; a `sub` revocation naming it travels
 * authority → outbox → real broker → sidecar and denies that subject's tokens of that issuer only.
 */
describe('a second OIDC issuer beside the authority', () => {
  let authority: AuthorityHandle;
  let provider: LocalProvider;
  let sidecars: Sidecar[];

  beforeAll(async () => {
    provider = await startLocalProvider('demo-api');
    authority = await startAuthority({ brokers: process.env['KAFKA_BROKERS']!, topicPrefix: uniquePrefix('issuers') });
    const registered = await adminApi(authority, 'POST', '/v1/issuers', { issuer: provider.issuer, description: 'e2e provider' });
    expect(registered.status).toBe(201);
    sidecars = await startSidecars(authority, 2, {
      issuers: [{ issuer: provider.issuer, keys: { discovery: true }, typ: ['JWT'] }],
    });
  });
  afterAll(async () => {
    await Promise.all((sidecars ?? []).map((sidecar) => sidecar.close()));
    await authority?.process.stop();
    await provider?.close();
  });

  /** A token of the provider, shaped like Keycloak's: typ JWT, no client_id, the client in azp. */
  const providerToken = (sub: string) => provider.signer.sign({ sub, client_id: undefined, azp: 'web-app' }, { header: { typ: 'JWT' } });

  it("revokes one subject of the provider: its tokens are denied everywhere, the authority's tokens for the same sub are not", async () => {
    const authorityToken = await issueToken(authority);
    // The same subject value at both issuers: only the issuer tells them apart.
    const sub = String(claimsOf(authorityToken)['sub']);
    const alice = await providerToken(sub);
    const bob = await providerToken('bob');
    for (const sidecar of sidecars) {
      expect(await sidecar.verify(authorityToken)).toMatchObject({ ok: true });
      expect(await sidecar.verify(alice)).toMatchObject({ ok: true, claims: { iss: provider.issuer, sub, client_id: 'web-app' } });
    }
    // Keys came through discovery, over HTTP.
    expect(provider.requests).toContain('/realms/acme/.well-known/openid-configuration');
    expect(provider.requests).toContain('/realms/acme/protocol/openid-connect/certs');

    const revoked = await adminApi(authority, 'POST', '/v1/revocations', { target: 'sub', value: sub, iss: provider.issuer, reason: 'e2e: provider account taken over' });
    expect(revoked.status).toBe(202);
    expect(revoked.body).toMatchObject({ target: 'sub', value: sub, iss: provider.issuer });

    for (const sidecar of sidecars) {
      await eventually('provider sub revocation applied', async () => !(await sidecar.verify(alice)).ok);
      expect(await sidecar.verify(alice)).toMatchObject({ ok: false, code: 'TOKEN_REVOKED', target: 'sub', revocationId: revoked.body['id'] });
      expect(await sidecar.verify(authorityToken)).toMatchObject({ ok: true });
      expect(await sidecar.verify(bob)).toMatchObject({ ok: true });
    }
    // Coverage treats it like any other revocation: every live sidecar acknowledged it.
    await eventually('coverage complete', async () => (await adminApi(authority, 'GET', `/v1/revocations/${String(revoked.body['id'])}/coverage`)).body['complete'] === true);
  });

  it('refuses a revocation naming an issuer the authority does not trust, naming the field (422)', async () => {
    const refused = await adminApi(authority, 'POST', '/v1/revocations', { target: 'sub', value: 'x', iss: 'https://unknown.example.test', reason: 'e2e' });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'ISSUER_NOT_TRUSTED', errors: [{ field: 'iss' }] });
  });

  it('refuses a token of an issuer no sidecar trusts with ISSUER_MISMATCH', async () => {
    const stranger = await createTestIssuer({ issuer: 'https://stranger.example.test', audience: 'demo-api' });
    expect(await sidecars[0]!.verify(await stranger.sign())).toMatchObject({ ok: false, code: 'ISSUER_MISMATCH' });
  });
});
