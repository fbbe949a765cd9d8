import { startTestAuthority, type AuthorityFixture } from '../testing/authority-fixture.spec-helper';

const CAEP_SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';

/** The SSF transmitter over HTTP: discovery, receiver authentication, status codes and problem documents. */
describe('SSF transmitter HTTP API', () => {
  let f: AuthorityFixture;
  let manage: string;
  let read: string;
  beforeAll(async () => {
    f = await startTestAuthority({ issuer: 'http://authority.test/tenant-a' });
    const issue = async (clientId: string, scope: string): Promise<string> => {
      const client = f.authority.core.clients.register({ clientId, audiences: [f.config.issuer], scopes: [scope] });
      return (await f.authority.core.tokens.issueClientCredentials(client, { scope, audience: f.config.issuer })).accessToken;
    };
    manage = await issue('rx-http-manage', 'ssf.manage');
    read = await issue('rx-http-read', 'ssf.read');
  });
  afterAll(() => f.close());

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, token: string | null, payload?: unknown) =>
    f.authority.app.inject({ method, url, ...(token === null ? {} : { headers: { authorization: `Bearer ${token}` } }), ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });

  it('serves the transmitter metadata at both discovery paths of an issuer with a path, and the SET keys, without authentication', async () => {
    const plain = await call('GET', '/.well-known/ssf-configuration', null);
    expect(plain.statusCode).toBe(200);
    expect(plain.json()).toMatchObject({
      spec_version: '1_0',
      issuer: 'http://authority.test/tenant-a',
      jwks_uri: 'http://authority.test/tenant-a/ssf/transmitter/jwks.json',
      configuration_endpoint: 'http://authority.test/tenant-a/ssf/transmitter/streams',
      delivery_methods_supported: ['urn:ietf:rfc:8935', 'urn:ietf:rfc:8936'],
    });
    const withPath = await call('GET', '/.well-known/ssf-configuration/tenant-a', null);
    expect(withPath.statusCode).toBe(200);
    expect(withPath.json()).toEqual(plain.json());
    expect((await call('GET', '/.well-known/ssf-configuration/tenant-b', null)).statusCode).toBe(404);

    const jwks = await call('GET', '/ssf/transmitter/jwks.json', null);
    expect(jwks.statusCode).toBe(200);
    const [key] = jwks.json<{ keys: { kid: string; alg: string; d?: string }[] }>().keys;
    expect(key).toMatchObject({ alg: 'ES256', kty: 'EC' });
    expect(key).not.toHaveProperty('d');
  });

  it('answers 401 without a receiver token (operator tokens are not receiver tokens) and 403 without the scope', async () => {
    const none = await call('GET', '/ssf/transmitter/streams', null);
    expect(none.statusCode).toBe(401);
    expect(none.headers['content-type']).toContain('application/problem+json');
    expect(none.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    const admin = await f.request({ method: 'GET', url: '/ssf/transmitter/streams' });
    expect(admin.statusCode).toBe(401);
    const readOnly = await call('POST', '/ssf/transmitter/streams', read, {});
    expect(readOnly.statusCode).toBe(403);
    expect(readOnly.json()).toMatchObject({ code: 'FORBIDDEN' });
    expect((await call('GET', '/ssf/transmitter/streams', read)).json()).toEqual([]);
  });

  it('creates (201), reads, updates, verifies (204), pauses and deletes (204) a stream', async () => {
    const created = await call('POST', '/ssf/transmitter/streams', manage, { events_requested: [CAEP_SESSION_REVOKED], description: 'http test' });
    expect(created.statusCode).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const stream = created.json<{ stream_id: string; delivery: { endpoint_url: string } }>();
    expect(stream.delivery.endpoint_url).toBe(`http://authority.test/tenant-a/ssf/transmitter/poll/${stream.stream_id}`);

    expect((await call('GET', `/ssf/transmitter/streams?stream_id=${stream.stream_id}`, manage)).json()).toEqual(stream);
    const patched = await call('PATCH', '/ssf/transmitter/streams', manage, { stream_id: stream.stream_id, description: 'renamed' });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ description: 'renamed' });

    expect((await call('POST', '/ssf/transmitter/verify', manage, { stream_id: stream.stream_id, state: 's1' })).statusCode).toBe(204);
    const again = await call('POST', '/ssf/transmitter/verify', manage, { stream_id: stream.stream_id });
    expect(again.statusCode).toBe(429);
    expect(Number(again.headers['retry-after'])).toBeGreaterThan(0);
    // Another client's token (here one with ssf.read) does not see the stream.
    expect((await call('POST', `/ssf/transmitter/poll/${stream.stream_id}`, read, { returnImmediately: true })).statusCode).toBe(404);
    const polled = await call('POST', `/ssf/transmitter/poll/${stream.stream_id}`, manage, { returnImmediately: true });
    expect(polled.statusCode).toBe(200);
    expect(Object.keys(polled.json<{ sets: Record<string, string> }>().sets)).toHaveLength(1);

    const paused = await call('POST', '/ssf/transmitter/status', manage, { stream_id: stream.stream_id, status: 'paused', reason: 'maintenance' });
    expect(paused.json()).toEqual({ stream_id: stream.stream_id, status: 'paused', reason: 'maintenance' });
    expect((await call('GET', `/ssf/transmitter/status?stream_id=${stream.stream_id}`, manage)).json()).toMatchObject({ status: 'paused' });

    // Operators see every receiver's streams with their backlog (the verification SET polled but not acknowledged); receivers' tokens do not open that route.
    const overview = await f.request({ method: 'GET', url: '/v1/ssf/streams', as: 'viewer' });
    expect(overview.statusCode).toBe(200);
    expect(overview.json<{ streams: { stream_id: string; client_id: string; status: string; pending: number }[] }>().streams).toContainEqual(
      expect.objectContaining({ stream_id: stream.stream_id, client_id: 'rx-http-manage', status: 'paused', pending: 1 }),
    );
    expect((await call('GET', '/v1/ssf/streams', manage)).statusCode).toBe(401);

    expect((await call('DELETE', `/ssf/transmitter/streams?stream_id=${stream.stream_id}`, manage)).statusCode).toBe(204);
    expect((await call('GET', `/ssf/transmitter/streams?stream_id=${stream.stream_id}`, manage)).statusCode).toBe(404);
  });

  it('refuses invalid bodies with 400 INVALID_REQUEST naming the field, and unknown streams with 404', async () => {
    const bad = await call('POST', '/ssf/transmitter/streams', manage, { delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: 'http://receiver.test/events' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'INVALID_REQUEST', errors: [{ field: 'delivery.endpoint_url', message: 'must use https' }] });
    const unknown = await call('POST', '/ssf/transmitter/streams', manage, { events: [] });
    expect(unknown.json()).toMatchObject({ code: 'INVALID_REQUEST', errors: [{ field: '(body)', message: 'unknown member(s): events' }] });
    expect((await call('GET', '/ssf/transmitter/status', manage)).statusCode).toBe(400);
    expect((await call('POST', '/ssf/transmitter/verify', manage, { stream_id: 'nope' })).statusCode).toBe(404);
    expect((await call('POST', '/ssf/transmitter/poll/nope', manage, {})).statusCode).toBe(404);
    expect((await call('GET', '/ssf/transmitter/streams', manage)).json()).toEqual([]);
  });
});
