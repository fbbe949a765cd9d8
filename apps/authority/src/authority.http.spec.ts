import { openSignedEvent, type EventSignerTrust } from '@revmesh/contracts';
import { createLocalJWKSet, importJWK, jwtVerify, type JSONWebKeySet } from 'jose';
import type { RunningAuthority } from './bootstrap';
import { DEFAULT_JUSTIFICATION, startTestAuthority, type AuthorityFixture, type FakeTransport } from './testing/authority-fixture.spec-helper';

const ISSUER = 'http://authority.test';

type Injected = Awaited<ReturnType<RunningAuthority['app']['inject']>>;

describe('authority HTTP API', () => {
  let f: AuthorityFixture;
  let transport: FakeTransport;
  let authority: RunningAuthority;
  /** Headers of a security-admin with a fresh second factor. */
  let admin: Record<string, string>;

  beforeEach(async () => {
    f = await startTestAuthority();
    transport = f.transport;
    authority = f.authority;
    admin = { ...(await f.operator('security-admin')).headers };
  });
  afterEach(() => f.close());

  /** A write with the default justification added to its JSON object body. */
  const justified = (payload: unknown): unknown =>
    typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? { ...payload, justification: DEFAULT_JUSTIFICATION } : payload;
  const json = (res: Injected): Record<string, unknown> => JSON.parse(res.body) as Record<string, unknown>;
  const counts = (): Record<string, number> => {
    const db = authority.core.store.db;
    const count = (table: string): number => db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;
    const revocationEvents = db.prepare("SELECT COUNT(*) FROM outbox WHERE topic = 'http-test.revocations.v1'").pluck().get() as number;
    return { clients: count('clients'), revocations: count('revocations'), outbox: revocationEvents };
  };
  /** Trust in what the authority publishes at its well-known URL, as a sidecar on first use. */
  const signerTrust = async (): Promise<EventSignerTrust> => {
    const res = await authority.app.inject({ method: 'GET', url: '/.well-known/revmesh-event-signers.json' });
    const keys = (json(res) as unknown as JSONWebKeySet).keys;
    const imported = new Map(await Promise.all(keys.map(async (k) => [k.kid!, await importJWK(k, 'EdDSA')] as const)));
    return { publicKeyFor: (kid) => imported.get(kid) as ReturnType<EventSignerTrust['publicKeyFor']> };
  };
  const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  const tokenRequest = (form: Record<string, string>, authorization?: string) =>
    authority.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(authorization === undefined ? {} : { authorization }),
      },
      payload: new URLSearchParams(form).toString(),
    });
  const demoToken = (form: Record<string, string> = {}) =>
    tokenRequest({ grant_type: 'client_credentials', ...form }, basic('demo-client', 'demo-secret-0123456789'));
  const revoke = (payload: unknown, headers: Record<string, string> = admin) =>
    authority.app.inject({ method: 'POST', url: '/v1/revocations', headers, payload: justified(payload) as Record<string, unknown> });

  function expectProblem(res: Injected, status: number, code: string): Record<string, unknown> {
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = json(res);
    expect(body).toMatchObject({ status, code, type: expect.stringMatching(/^urn:revmesh:problem:/) });
    expect(typeof body['title']).toBe('string');
    expect(typeof body['detail']).toBe('string');
    return body;
  }

  function expectOAuthError(res: Injected, status: number, error: string): void {
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(json(res)).toEqual({ error, error_description: expect.any(String) });
  }

  describe('public endpoints', () => {
    it('serves RFC 8414 metadata for what the authority supports, and OIDC discovery agrees with it field by field', async () => {
      const res = await authority.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' });
      expect(res.statusCode).toBe(200);
      const metadata = json(res);
      expect(metadata).toMatchObject({
        issuer: ISSUER,
        jwks_uri: `${ISSUER}/.well-known/jwks.json`,
        token_endpoint: `${ISSUER}/oauth/token`,
        revocation_endpoint: `${ISSUER}/oauth/revoke`,
        introspection_endpoint: `${ISSUER}/oauth/introspect`,
        grant_types_supported: expect.arrayContaining(['client_credentials']),
        token_endpoint_auth_methods_supported: expect.arrayContaining(['client_secret_basic', 'client_secret_post']),
        revocation_endpoint_auth_methods_supported: metadata['token_endpoint_auth_methods_supported'],
        introspection_endpoint_auth_methods_supported: metadata['token_endpoint_auth_methods_supported'],
        access_token_signing_alg_values_supported: ['ES256'],
      });
      const discovery = json(await authority.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' }));
      for (const [field, value] of Object.entries(discovery)) expect([field, metadata[field]]).toEqual([field, value]);
      expect(Object.keys(discovery).sort()).toEqual(Object.keys(metadata).sort());
    });

    it('lists in its metadata every grant the token endpoint handles, and refuses others naming them', async () => {
      const metadata = json(await authority.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' }));
      const res = await demoToken({ grant_type: 'password' });
      expect(json(res)['error_description']).toBe(`supported grant types: ${(metadata['grant_types_supported'] as string[]).join(', ')}`);
    });

    it('serves public keys only, with a short cache lifetime', async () => {
      const res = await authority.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('public, max-age=60');
      const jwks = json(res) as unknown as JSONWebKeySet;
      // The active key and the pre-published standby.
      expect(jwks.keys.map((k) => k.kid).sort()).toEqual(
        authority.core.keyStates().filter((k) => k.state === 'active' || k.state === 'pending').map((k) => k.kid).sort(),
      );
      for (const key of jwks.keys) {
        expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: expect.any(String) });
        expect(key).not.toHaveProperty('d');
      }
    });

    it('answers /healthz without a key', async () => {
      const res = await authority.app.inject({ method: 'GET', url: '/healthz' });
      expect(res.statusCode).toBe(200);
      expect(json(res)).toMatchObject({ status: 'ok' });
    });

    it('answers unknown routes with a 404 problem', async () => {
      expectProblem(await authority.app.inject({ method: 'GET', url: '/nope' }), 404, 'NOT_FOUND');
    });
  });

  describe('POST /oauth/token', () => {
    async function verify(token: string, audience: string) {
      const jwks = json(await authority.app.inject({ method: 'GET', url: '/.well-known/jwks.json' }));
      return jwtVerify(token, createLocalJWKSet(jwks as unknown as JSONWebKeySet), {
        issuer: ISSUER,
        audience,
        typ: 'at+jwt',
        algorithms: ['ES256'],
      });
    }

    it('issues an RFC 9068 token to the demo client over client_secret_basic', async () => {
      const res = await demoToken();
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const body = json(res);
      expect(body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 120, scope: 'demo' });
      const { payload, protectedHeader } = await verify(body['access_token'] as string, 'demo-api');
      expect(protectedHeader).toMatchObject({ typ: 'at+jwt', alg: 'ES256', kid: authority.core.keys.active.kid });
      expect(payload).toMatchObject({ iss: ISSUER, sub: 'demo-client', client_id: 'demo-client', aud: 'demo-api', scope: 'demo' });
      expect(payload.exp! - payload.iat!).toBe(120);
    });

    it('issues over client_secret_post, with a requested scope subset and audience', async () => {
      const created = json(
        await authority.app.inject({
          method: 'POST',
          url: '/v1/clients',
          headers: admin,
          payload: justified({ client_id: 'svc', audiences: ['api-a', 'api-b'], scopes: ['read', 'write'] }) as Record<string, unknown>,
        }),
      );
      const res = await tokenRequest({
        grant_type: 'client_credentials',
        client_id: 'svc',
        client_secret: created['client_secret'] as string,
        scope: 'write',
        audience: 'api-b',
      });
      expect(res.statusCode).toBe(200);
      expect(json(res)['scope']).toBe('write');
      const { payload } = await verify(json(res)['access_token'] as string, 'api-b');
      expect(payload).toMatchObject({ sub: 'svc', scope: 'write' });
    });

    it('answers a wrong secret and an unknown client identically: 401 invalid_client with a challenge', async () => {
      const wrong = await tokenRequest({ grant_type: 'client_credentials' }, basic('demo-client', 'not-the-secret'));
      const unknown = await tokenRequest({ grant_type: 'client_credentials' }, basic('nobody', 'demo-secret-0123456789'));
      for (const res of [wrong, unknown]) {
        expectOAuthError(res, 401, 'invalid_client');
        expect(res.headers['www-authenticate']).toMatch(/^Basic realm=/);
      }
      expect(wrong.body).toBe(unknown.body);
    });

    it('requires client authentication', async () => {
      expectOAuthError(await tokenRequest({ grant_type: 'client_credentials' }), 401, 'invalid_client');
    });

    it('refuses other grant types with unsupported_grant_type', async () => {
      expectOAuthError(await demoToken({ grant_type: 'password' }), 400, 'unsupported_grant_type');
    });

    it('requires grant_type', async () => {
      const res = await tokenRequest({}, basic('demo-client', 'demo-secret-0123456789'));
      expectOAuthError(res, 400, 'invalid_request');
    });

    it('refuses a scope the client does not have with invalid_scope', async () => {
      expectOAuthError(await demoToken({ scope: 'demo admin' }), 400, 'invalid_scope');
    });

    it('refuses an audience the client does not have with invalid_target', async () => {
      expectOAuthError(await demoToken({ audience: 'someone-else' }), 400, 'invalid_target');
    });

    it('refuses JSON bodies, repeated parameters and two auth methods with invalid_request', async () => {
      const jsonBody = await authority.app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { authorization: basic('demo-client', 'demo-secret-0123456789') },
        payload: { grant_type: 'client_credentials' },
      });
      expectOAuthError(jsonBody, 400, 'invalid_request');
      const repeated = await authority.app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basic('demo-client', 'demo-secret-0123456789'),
        },
        payload: 'grant_type=client_credentials&scope=demo&scope=demo',
      });
      expectOAuthError(repeated, 400, 'invalid_request');
      const both = await tokenRequest(
        { grant_type: 'client_credentials', client_secret: 'demo-secret-0123456789' },
        basic('demo-client', 'demo-secret-0123456789'),
      );
      expectOAuthError(both, 400, 'invalid_request');
    });

    it('keeps the RFC 6749 format for unparseable and oversized bodies', async () => {
      const broken = await authority.app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { 'content-type': 'application/json' },
        payload: '{"grant_type":',
      });
      expectOAuthError(broken, 400, 'invalid_request');
      const huge = await tokenRequest({ grant_type: 'client_credentials', pad: 'x'.repeat(64 * 1024) });
      expectOAuthError(huge, 413, 'invalid_request');
    });
  });

  describe('operator token', () => {
    const routes = [
      { method: 'POST' as const, url: '/v1/clients', payload: { audiences: ['x'], scopes: [] } },
      { method: 'POST' as const, url: '/v1/revocations', payload: { target: 'sub', value: 'alice', reason: 'r' } },
      { method: 'GET' as const, url: '/v1/revocations/00000000-0000-4000-8000-000000000000' },
    ];
    const credentials: [string, () => Record<string, string>][] = [
      ['no Authorization header', () => ({})],
      ['a forged token', () => ({ authorization: `Bearer ${'w'.repeat(48)}` })],
      ['a token under another scheme', () => ({ authorization: admin['authorization']!.replace('Bearer', 'Basic') })],
      ['an access token of the token endpoint', () => ({ authorization: `Bearer ${accessToken}` })],
    ];

    let accessToken = '';
    for (const route of routes) {
      for (const [label, headers] of credentials) {
        it(`${route.method} ${route.url} with ${label} → 401 problem, nothing changed`, async () => {
          accessToken = json(await demoToken())['access_token'] as string;
          const before = counts();
          const res = await authority.app.inject({ ...route, ...('payload' in route ? { payload: justified(route.payload) as Record<string, unknown> } : {}), headers: headers() });
          expectProblem(res, 401, 'UNAUTHORIZED');
          expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
          expect(counts()).toEqual(before);
        });
      }
    }

    it('protects reads of existing revocations too', async () => {
      const id = json(await revoke({ target: 'jti', value: 'j1', reason: 'r' }))['id'] as string;
      expectProblem(await authority.app.inject({ method: 'GET', url: `/v1/revocations/${id}` }), 401, 'UNAUTHORIZED');
    });
  });

  describe('POST /v1/revocations', () => {
    it('accepts a revocation: 202, Location, rule window, then published by the relay', async () => {
      const before = Date.now();
      const res = await revoke({ target: 'sub', value: 'alice', reason: 'laptop stolen' });
      expect(res.statusCode).toBe(202);
      const body = json(res);
      expect(res.headers['location']).toBe(`/v1/revocations/${body['id'] as string}`);
      expect(body).toMatchObject({ target: 'sub', value: 'alice', reason: 'laptop stolen', published: false });
      const revokedAt = body['revoked_at'] as number;
      expect(revokedAt).toBeGreaterThanOrEqual(before);
      expect(body['not_after_iat']).toBe(Math.floor(revokedAt / 1000));
      expect(body['expires_at']).toBeGreaterThanOrEqual(revokedAt + 120_000);

      // The relay is woken by the commit; wait for the fake broker to have it.
      const revocations = () => transport.published.filter((r) => r.topic === 'http-test.revocations.v1');
      for (let i = 0; i < 100 && revocations().length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(transport.topics.map((t) => t.topic)).toEqual(
        expect.arrayContaining(['http-test.revocations.v1', 'http-test.keys.v1', 'http-test.acks.v1', 'http-test.alerts.v1']),
      );
      const [record] = revocations();
      expect(record).toMatchObject({ topic: 'http-test.revocations.v1', key: 'sub:alice' });
      const decoded = await openSignedEvent(record!.value, await signerTrust());
      expect(decoded.ok && decoded.event.type === 'revocation.issued' && decoded.event.payload.revocation_id).toBe(body['id']);

      const status = json(
        await authority.app.inject({ method: 'GET', url: res.headers['location'] as string, headers: admin }),
      );
      expect(status).toMatchObject({ id: body['id'], published: true, published_at: expect.any(Number) });
    });

    it('continues the caller trace in the event headers', async () => {
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      await revoke({ target: 'jti', value: 'j', reason: 'r' }, { ...admin, traceparent });
      const entry = authority.core.store.db.prepare("SELECT headers FROM outbox WHERE topic = 'http-test.revocations.v1'").pluck().get() as string;
      expect((JSON.parse(entry) as Record<string, string>)['traceparent']).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-/);
    });

    const invalid: [string, unknown, string[]][] = [
      ['a missing target', { value: 'alice', reason: 'r' }, ['target']],
      ['an unknown target type', { target: 'kid', value: 'alice', reason: 'r' }, ['target']],
      ['a target of the wrong type', { target: 7, value: 'alice', reason: 'r' }, ['target']],
      ['an empty value', { target: 'sub', value: '', reason: 'r' }, ['value']],
      ['a blank reason', { target: 'sub', value: 'alice', reason: '   ' }, ['reason']],
      ['an unknown field', { target: 'sub', value: 'alice', reason: 'r', actor: 'me' }, ['actor']],
      ['several problems', { target: 'x', reason: 5 }, ['target', 'value', 'reason']],
    ];
    it.each(invalid)('answers %s with a 400 naming the field and stores nothing', async (_label, payload, fields) => {
      const before = counts();
      const body = expectProblem(await revoke(payload), 400, 'INVALID_REQUEST');
      expect((body['errors'] as { field: string }[]).map((e) => e.field).sort()).toEqual([...fields].sort());
      expect(counts()).toEqual(before);
    });

    it('answers malformed JSON with 400 MALFORMED_BODY and stores nothing', async () => {
      const before = counts();
      const res = await authority.app.inject({
        method: 'POST',
        url: '/v1/revocations',
        headers: { ...admin, 'content-type': 'application/json' },
        payload: '{"target": "sub", "value": ',
      });
      expectProblem(res, 400, 'MALFORMED_BODY');
      expect(counts()).toEqual(before);
    });

    it('answers a missing or array body with 400 JUSTIFICATION_REQUIRED and a text/plain body with 415', async () => {
      expectProblem(await authority.app.inject({ method: 'POST', url: '/v1/revocations', headers: admin }), 400, 'JUSTIFICATION_REQUIRED');
      expectProblem(await revoke([1, 2]), 400, 'JUSTIFICATION_REQUIRED');
      const text = await authority.app.inject({
        method: 'POST',
        url: '/v1/revocations',
        headers: { ...admin, 'content-type': 'text/plain' },
        payload: 'target=sub',
      });
      expectProblem(text, 415, 'UNSUPPORTED_MEDIA_TYPE');
      expect(counts().revocations).toBe(0);
    });

    it('answers an oversized body with 413 and stores nothing', async () => {
      const res = await revoke({ target: 'sub', value: 'alice', reason: 'x'.repeat(64 * 1024) });
      expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
      expect(counts().revocations).toBe(0);
    });

    it('answers a storage failure with a bare 500 problem and stores neither row', async () => {
      authority.core.store.db.exec("CREATE TRIGGER boom BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'secret detail'); END");
      const body = expectProblem(await revoke({ target: 'sub', value: 'alice', reason: 'r' }), 500, 'INTERNAL');
      expect(JSON.stringify(body)).not.toContain('secret detail');
      expect(counts()).toMatchObject({ revocations: 0, outbox: 0 });
    });
  });

  describe('GET /v1/revocations/:id', () => {
    it('answers an unknown id with a 404 problem', async () => {
      const res = await authority.app.inject({ method: 'GET', url: '/v1/revocations/unknown', headers: admin });
      expect(expectProblem(res, 404, 'NOT_FOUND')['instance']).toBe('/v1/revocations/unknown');
    });
  });

  describe('POST /v1/clients', () => {
    it('registers a client and shows its secret once', async () => {
      const res = await authority.app.inject({
        method: 'POST',
        url: '/v1/clients',
        headers: admin,
        payload: justified({ audiences: ['api'], scopes: ['read'] }) as Record<string, unknown>,
      });
      expect(res.statusCode).toBe(201);
      expect(res.headers['cache-control']).toBe('no-store');
      const body = json(res);
      expect(body).toEqual({
        client_id: expect.any(String),
        client_secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        audiences: ['api'],
        scopes: ['read'],
        token_endpoint_auth_method: 'client_secret_basic',
        jwks: null,
        jwks_uri: null,
        encryption_jwk: null,
        enabled: true,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      const token = await tokenRequest(
        { grant_type: 'client_credentials' },
        basic(body['client_id'] as string, body['client_secret'] as string),
      );
      expect(token.statusCode).toBe(200);
    });

    it('answers a duplicate client_id with 409 CONFLICT', async () => {
      const register = () =>
        authority.app.inject({
          method: 'POST',
          url: '/v1/clients',
          headers: admin,
          payload: justified({ client_id: 'dup', audiences: ['api'], scopes: [] }) as Record<string, unknown>,
        });
      expect((await register()).statusCode).toBe(201);
      expectProblem(await register(), 409, 'CONFLICT');
    });

    it.each([
      ['no audiences', { audiences: [], scopes: [] }, ['audiences']],
      ['a scope with a space', { audiences: ['a'], scopes: ['a b'] }, ['scopes[0]']],
      ['a bad client_id', { client_id: 'a b', audiences: ['a'], scopes: [] }, ['client_id']],
      ['an unknown field', { audiences: ['a'], scopes: [], secret: 'mine' }, ['secret']],
      ['missing fields', {}, ['audiences', 'scopes']],
    ])('answers %s with a 400 naming the field and stores nothing', async (_label, payload, fields) => {
      const before = counts();
      const res = await authority.app.inject({ method: 'POST', url: '/v1/clients', headers: admin, payload: justified(payload) as Record<string, unknown> });
      const body = expectProblem(res, 400, 'INVALID_REQUEST');
      expect((body['errors'] as { field: string }[]).map((e) => e.field).sort()).toEqual([...fields].sort());
      expect(counts()).toEqual(before);
    });
  });
});
