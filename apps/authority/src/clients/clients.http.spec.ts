import { generateKeyPairSync } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import { compactDecrypt, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { AuditEntry } from '@revmesh/contracts';
import { startTestAuthority, type AuthorityFixture } from '../testing/authority-fixture.spec-helper';

interface ClientBody {
  client_id: string;
  client_secret?: string;
  client_secret_jwe?: string;
  enabled: boolean;
  token_endpoint_auth_method: string;
}

/** The client lifecycle API: list/show, rotate-secret with overlap, sealed secrets, disable (gated, revoking) / enable. */
describe('clients HTTP API', () => {
  let f: AuthorityFixture;
  beforeAll(async () => {
    f = await startTestAuthority();
  });
  afterAll(() => f.close());

  const token = (clientId: string, secret: string) =>
    f.authority.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
      payload: 'grant_type=client_credentials',
    });
  const auditOf = async (target: string): Promise<AuditEntry[]> =>
    (await f.request({ method: 'GET', url: '/v1/audit?limit=1000' })).json<{ entries: AuditEntry[] }>().entries.filter((e) => e.target === target);
  const add = async (payload: Record<string, unknown>): Promise<ClientBody> => {
    const created = await f.request({ method: 'POST', url: '/v1/clients', payload });
    expect(created.statusCode).toBe(201);
    return created.json<ClientBody>();
  };

  it('registers, lists (filters, pages) and shows clients; reads are open to viewers and never show a secret', async () => {
    const created = await f.request({ method: 'POST', url: '/v1/clients', payload: { client_id: 'list-a', audiences: ['demo-api'], scopes: ['read'] } });
    expect(created.statusCode).toBe(201);
    expect(created.headers['location']).toBe('/v1/clients/list-a');
    expect(created.headers['cache-control']).toBe('no-store');
    expect(created.json()).toMatchObject({ client_id: 'list-a', client_secret: expect.any(String), token_endpoint_auth_method: 'client_secret_basic', enabled: true });
    await add({ client_id: 'list-b', audiences: ['demo-api'], scopes: [] });
    await add({ client_id: 'list-c', audiences: ['demo-api'], scopes: [] });

    const page = await f.request({ method: 'GET', url: '/v1/clients?limit=2&after=list-', as: 'viewer' });
    expect(page.statusCode).toBe(200);
    expect(page.json()).toMatchObject({ clients: [{ client_id: 'list-a' }, { client_id: 'list-b' }], next_after: 'list-b' });
    expect(page.body).not.toContain(created.json<ClientBody>().client_secret);
    const next = await f.request({ method: 'GET', url: '/v1/clients?limit=500&after=list-b', as: 'viewer' });
    expect(next.json<{ clients: ClientBody[] }>().clients.map((c) => c.client_id)).toContain('list-c');
    const one = await f.request({ method: 'GET', url: '/v1/clients/list-a', as: 'viewer' });
    expect(one.json()).toMatchObject({ client: { client_id: 'list-a', scopes: ['read'], secrets: [{ created_at: expect.any(String), expires_at: null }] } });
    expect((await f.request({ method: 'GET', url: '/v1/clients/nobody' })).statusCode).toBe(404);
    for (const query of ['enabled=maybe', 'auth_method=magic', 'limit=0']) {
      const bad = await f.request({ method: 'GET', url: `/v1/clients?${query}` });
      expect({ query, status: bad.statusCode }).toEqual({ query, status: 400 });
    }
    const keyed = await f.request({ method: 'GET', url: '/v1/clients?auth_method=private_key_jwt' });
    expect(keyed.json<{ clients: ClientBody[] }>().clients.every((c) => c.token_endpoint_auth_method === 'private_key_jwt')).toBe(true);
  });

  it('rotates a secret with an overlap: both work, then only the new one; audited; a too long overlap is 400 and changes nothing', async () => {
    const first = await add({ client_id: 'rotating', audiences: ['demo-api'], scopes: [] });
    const rotated = await f.request({ method: 'POST', url: '/v1/clients/rotating/rotate-secret', payload: { overlap_seconds: 60 } });
    expect(rotated.statusCode).toBe(200);
    const second = rotated.json<ClientBody & { overlap_seconds: number; previous_secret_expires_at: string }>();
    expect(second).toMatchObject({ client_id: 'rotating', overlap_seconds: 60, client_secret: expect.any(String) });
    expect((await token('rotating', first.client_secret!)).statusCode).toBe(200);
    expect((await token('rotating', second.client_secret!)).statusCode).toBe(200);
    // (Well within the operators' step-up window, which the fixture's clock also moves.)
    f.clock.advance(60_000);
    expect((await token('rotating', first.client_secret!)).statusCode).toBe(401);
    expect((await token('rotating', second.client_secret!)).statusCode).toBe(200);

    const max = f.authority.core.securityPolicy.current().clients.maxSecretOverlapSeconds;
    const tooLong = await f.request({ method: 'POST', url: '/v1/clients/rotating/rotate-secret', payload: { overlap_seconds: max + 1 } });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json()).toMatchObject({ errors: [{ field: 'overlap_seconds' }] });
    expect((await token('rotating', second.client_secret!)).statusCode).toBe(200);
    expect((await auditOf('rotating')).map((e) => e.action).filter((a) => a.startsWith('clients.'))).toEqual([
      'clients.create',
      'clients.secret-issued',
      'clients.rotate-secret',
      'clients.secret-issued',
    ]);
    expect((await f.request({ method: 'POST', url: '/v1/clients/rotating/rotate-secret', payload: {}, as: 'responder' })).statusCode).toBe(403);
  });

  it('delivers a secret sealed to the registered encryption key only (JWE), on registration and rotation', async () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const created = await add({ client_id: 'sealed', audiences: ['demo-api'], scopes: [], encryption_jwk: pair.publicKey.export({ format: 'jwk' }) });
    expect(created.client_secret).toBeUndefined();
    const secret = new TextDecoder().decode((await compactDecrypt(created.client_secret_jwe!, pair.privateKey)).plaintext);
    expect((await token('sealed', secret)).statusCode).toBe(200);
    const rotated = (await f.request({ method: 'POST', url: '/v1/clients/sealed/rotate-secret', payload: { overlap_seconds: 0 } })).json<ClientBody>();
    expect(rotated.client_secret).toBeUndefined();
    const next = new TextDecoder().decode((await compactDecrypt(rotated.client_secret_jwe!, pair.privateKey)).plaintext);
    expect((await token('sealed', next)).statusCode).toBe(200);
    expect((await token('sealed', secret)).statusCode).toBe(401);
    expect((await auditOf('sealed')).find((e) => e.action === 'clients.secret-issued')).toMatchObject({ details: { delivery: 'sealed' } });
  });

  it('registers a private_key_jwt client with a JWKS (no secret); refuses private keys, both jwks and jwks_uri, http URLs (400 naming the field)', async () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = pair.publicKey.export({ format: 'jwk' }) as JWK;
    const keyed = await add({ client_id: 'keyed', audiences: ['demo-api'], scopes: [], jwks: { keys: [jwk] } });
    expect(keyed).toMatchObject({ token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [jwk] } });
    expect(keyed.client_secret).toBeUndefined();
    const conflict = await f.request({ method: 'POST', url: '/v1/clients/keyed/rotate-secret', payload: {} });
    expect(conflict.statusCode).toBe(409);
    const refusals: [Record<string, unknown>, string][] = [
      [{ jwks: { keys: [pair.privateKey.export({ format: 'jwk' })] } }, 'jwks'],
      [{ jwks: { keys: [jwk] }, jwks_uri: 'https://keys.example.test/jwks' }, 'jwks_uri'],
      [{ jwks_uri: 'http://keys.example.test/jwks' }, 'jwks_uri'],
      [{ encryption_jwk: { kty: 'oct', k: 'c2VjcmV0' } }, 'encryption_jwk'],
    ];
    for (const [extra, field] of refusals) {
      const refused = await f.request({ method: 'POST', url: '/v1/clients', payload: { client_id: 'refused', audiences: ['demo-api'], scopes: [], ...extra } });
      expect({ field, status: refused.statusCode }).toEqual({ field, status: 400 });
      expect(refused.json<{ errors: { field: string }[] }>().errors.map((e) => e.field)).toContain(field);
    }
    expect((await f.request({ method: 'GET', url: '/v1/clients/refused' })).statusCode).toBe(404);
  });

  it('disable waits for a second security-admin (default policy), then refuses the client and revokes its tokens by client_id; enable restores it', async () => {
    const client = await add({ client_id: 'to-disable', audiences: ['demo-api'], scopes: [] });
    expect((await token('to-disable', client.client_secret!)).statusCode).toBe(200);
    expect((await f.request({ method: 'POST', url: '/v1/clients/nobody/disable', payload: {} })).statusCode).toBe(404);

    const requested = await f.request({ method: 'POST', url: '/v1/clients/to-disable/disable', payload: { reason: 'credentials leaked' } });
    expect(requested.statusCode).toBe(202);
    expect(requested.json()).toMatchObject({ status: 'pending-approval', approval: { action: 'clients.disable', target: 'to-disable' } });
    expect((await token('to-disable', client.client_secret!)).statusCode).toBe(200);

    const second = await f.newOperator('security-admin', 'clients-second-admin');
    const approvalId = requested.json<{ approval: { id: string } }>().approval.id;
    const approved = await f.request({ method: 'POST', url: `/v1/approvals/${approvalId}/approve`, payload: {}, as: second });
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ approval: { state: 'executed', result: { client: { clientId: 'to-disable', enabled: false }, revocation: { target: { type: 'client_id', value: 'to-disable' }, reason: 'credentials leaked' } } } });

    const refused = await token('to-disable', client.client_secret!);
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toMatchObject({ error: 'invalid_client' });
    expect((await f.request({ method: 'GET', url: '/v1/clients?enabled=false' })).json<{ clients: ClientBody[] }>().clients.map((c) => c.client_id)).toContain('to-disable');
    const revocations = f.authority.core.store.db.prepare("SELECT reason FROM revocations WHERE target_type = 'client_id' AND target_value = 'to-disable'").pluck().all();
    expect(revocations).toEqual(['credentials leaked']);
    const refusalReasons = f.authority.core.store.db
      .prepare("SELECT details FROM audit_log WHERE action = 'oauth.client-authentication' AND target = 'to-disable'")
      .pluck()
      .all() as string[];
    expect(refusalReasons.map((d) => (JSON.parse(d) as { reason: string }).reason)).toEqual(['client-disabled']);

    const enabled = await f.request({ method: 'POST', url: '/v1/clients/to-disable/enable', payload: {} });
    expect(enabled.json()).toMatchObject({ client: { client_id: 'to-disable', enabled: true } });
    expect((await token('to-disable', client.client_secret!)).statusCode).toBe(200);
    const audited = await auditOf('to-disable');
    expect(audited.map((e) => e.action).filter((a) => a.startsWith('clients.'))).toEqual(['clients.create', 'clients.secret-issued', 'clients.disable', 'clients.enable']);
    // The disable runs as the requester, once the second admin approved.
    expect(audited.find((e) => e.action === 'clients.disable')).toMatchObject({ actor: { kind: 'operator', id: 'admin' } });
  });

  it('disable may name an open incident (the cleanup of a drill canary): its approval names it; an unknown incident is 422 before anything is stored', async () => {
    await add({ client_id: 'drill-canary', audiences: ['demo-api'], scopes: ['revmesh:drill'] });
    const unknown = await f.request({ method: 'POST', url: '/v1/clients/drill-canary/disable', payload: { incident: 'no-such-incident' } });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json()).toMatchObject({ code: 'INCIDENT_UNKNOWN' });
    const opened = await f.request({ method: 'POST', url: '/v1/incidents', payload: { title: 'drill', severity: 'low', kind: 'drill' } });
    const incident = opened.json<{ incident: { id: string } }>().incident.id;
    const requested = await f.request({ method: 'POST', url: '/v1/clients/drill-canary/disable', payload: { reason: 'drill over', incident } });
    expect(requested.json()).toMatchObject({ status: 'pending-approval', approval: { action: 'clients.disable', params: { clientId: 'drill-canary', reason: 'drill over', incident } } });
  });

  describe('private_key_jwt at the token endpoint', () => {
    let key: CryptoKey;
    let wrongKey: CryptoKey;
    beforeAll(async () => {
      const pair = await generateKeyPair('ES256');
      key = pair.privateKey;
      wrongKey = (await generateKeyPair('ES256')).privateKey;
      await add({ client_id: 'jwt-client', audiences: ['demo-api'], scopes: [], jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'jwt-1' }] } });
    });

    const assertion = (claims: { aud?: string; jti?: string } = {}, signingKey: CryptoKey = key): Promise<string> =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: 'jwt-1' })
        .setIssuer('jwt-client')
        .setSubject('jwt-client')
        .setAudience(claims.aud ?? `${f.config.issuer.replace(/\/+$/, '')}/oauth/token`)
        .setJti(claims.jti ?? randomUUID())
        .setIssuedAt(Math.floor(f.clock.now() / 1000))
        .setExpirationTime(Math.floor(f.clock.now() / 1000) + 60)
        .sign(signingKey);
    let address = 0;
    const tokenWith = (jwt: string, extra = '') =>
      f.authority.app.inject({
        method: 'POST',
        url: '/oauth/token',
        // Each from its own address: the refusals below must not lock the test's address out.
        remoteAddress: `10.9.0.${++address}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `grant_type=client_credentials&client_assertion_type=${encodeURIComponent('urn:ietf:params:oauth:client-assertion-type:jwt-bearer')}&client_assertion=${jwt}${extra}`,
      });

    it('issues a token for an assertion signed with a registered key; no shared secret involved', async () => {
      const issued = await tokenWith(await assertion());
      expect(issued.statusCode).toBe(200);
      expect(issued.json()).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String) });
      expect((await tokenWith(await assertion(), '&client_id=jwt-client')).statusCode).toBe(200);
    });

    it('refuses a wrong key, a wrong audience, a replayed jti and a client_id that is not the assertion\'s (401 invalid_client); half an assertion is 400', async () => {
      const refused = async (response: Promise<{ statusCode: number; json: <T>() => T }>) => {
        const r = await response;
        return { status: r.statusCode, error: r.json<{ error: string }>().error };
      };
      const invalid = { status: 401, error: 'invalid_client' };
      expect(await refused(tokenWith(await assertion({}, wrongKey)))).toEqual(invalid);
      expect(await refused(tokenWith(await assertion({ aud: 'https://elsewhere.example.test/oauth/token' })))).toEqual(invalid);
      const once = await assertion({ jti: 'replayed-jti' });
      expect((await tokenWith(once)).statusCode).toBe(200);
      expect(await refused(tokenWith(once))).toEqual(invalid);
      expect(await refused(tokenWith(await assertion(), '&client_id=someone-else'))).toEqual(invalid);
      const half = await f.authority.app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `grant_type=client_credentials&client_assertion=${await assertion()}`,
      });
      expect(half.statusCode).toBe(400);
      const reasons = (f.authority.core.store.db.prepare("SELECT details FROM audit_log WHERE action = 'oauth.client-authentication' AND target = 'jwt-client'").pluck().all() as string[]).map(
        (d) => (JSON.parse(d) as { reason: string }).reason,
      );
      expect(reasons).toEqual(expect.arrayContaining(['invalid-client', 'assertion-replayed']));
    });

    it('advertises private_key_jwt and the assertion algorithms in the server metadata', async () => {
      const metadata = (await f.request({ method: 'GET', url: '/.well-known/oauth-authorization-server', as: null })).json<Record<string, unknown>>();
      expect(metadata['token_endpoint_auth_methods_supported']).toContain('private_key_jwt');
      expect(metadata['token_endpoint_auth_signing_alg_values_supported']).toEqual(expect.arrayContaining(['ES256', 'RS256', 'EdDSA']));
      const openid = (await f.request({ method: 'GET', url: '/.well-known/openid-configuration', as: null })).json<Record<string, unknown>>();
      expect(openid['token_endpoint_auth_methods_supported']).toContain('private_key_jwt');
    });
  });
});
