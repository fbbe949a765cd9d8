import { systemAuditContext } from '@revmesh/authority-core';
import { decodeJwt } from 'jose';
import { startTestAuthority, type AuthorityFixture } from '../testing/authority-fixture.spec-helper';

const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('OAuth session endpoints: token exchange, refresh, /oauth/revoke, /oauth/introspect', () => {
  let f: AuthorityFixture;
  beforeEach(async () => {
    f = await startTestAuthority();
    const clients = f.authority.core.clients;
    clients.ensure({ clientId: 'web-bff', clientSecret: 'bff-secret', audiences: ['web'], scopes: ['orders:read'] });
    clients.ensure({ clientId: 'alice', clientSecret: 'alice-secret', audiences: ['web'], scopes: [] });
    clients.ensure({ clientId: 'orders-rs', clientSecret: 'rs-secret', audiences: ['orders-api'], scopes: [] });
    f.authority.core.securityPolicy.update(
      {
        tokenExchange: { rules: [{ clients: ['web-bff'], issuers: ['self'], audiences: ['orders-api'] }] },
        introspection: { clients: ['orders-rs'] },
      },
      systemAuditContext('test', 'session endpoint tests'),
    );
  });
  afterEach(() => f.close());

  const post = (url: string, form: Record<string, string>, authorization?: string) =>
    f.authority.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization === undefined ? {} : { authorization }) },
      payload: new URLSearchParams(form).toString(),
    });
  const json = (res: { body: string }): Record<string, unknown> => JSON.parse(res.body) as Record<string, unknown>;
  const userToken = async (): Promise<string> =>
    json(await post('/oauth/token', { grant_type: 'client_credentials' }, basic('alice', 'alice-secret')))['access_token'] as string;
  const exchange = async (form: Record<string, string> = {}, auth = basic('web-bff', 'bff-secret')) =>
    post('/oauth/token', { grant_type: EXCHANGE, subject_token: await userToken(), subject_token_type: ACCESS_TOKEN, ...form }, auth);
  const introspect = (token: string, form: Record<string, string> = {}, auth = basic('orders-rs', 'rs-secret')) => post('/oauth/introspect', { token, ...form }, auth);

  it('exchanges a token for a session (RFC 8693 response), no-store', async () => {
    const res = await exchange({ audience: 'orders-api' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = json(res);
    expect(body).toEqual({
      access_token: expect.any(String),
      issued_token_type: ACCESS_TOKEN,
      token_type: 'Bearer',
      expires_in: expect.any(Number),
      scope: 'orders:read',
      refresh_token: expect.stringMatching(/^rmrt_/),
    });
    expect(decodeJwt(body['access_token'] as string)).toMatchObject({ sub: 'alice', client_id: 'web-bff', aud: 'orders-api', sid: expect.any(String) });
  });

  it.each([
    ['no subject_token', { subject_token: '' }, 400, 'invalid_request'],
    ['an unsupported subject_token_type', { subject_token_type: 'urn:x' }, 400, 'invalid_request'],
    ['an audience no rule allows', { audience: 'payroll' }, 400, 'invalid_target'],
    ['audience and resource that differ', { audience: 'orders-api', resource: 'other' }, 400, 'invalid_target'],
    ['a subject_token that is no JWT', { subject_token: 'opaque' }, 400, 'invalid_grant'],
  ])('answers %s with its RFC 6749 error', async (_label, form, status, error) => {
    const res = await exchange(form);
    expect(res.statusCode).toBe(status);
    expect(json(res)).toEqual({ error, error_description: expect.any(String) });
  });

  it('refuses a client the policy does not allow (unauthorized_client), and an unauthenticated caller first of all', async () => {
    const denied = await exchange({}, basic('alice', 'alice-secret'));
    expect([denied.statusCode, json(denied)['error']]).toEqual([400, 'unauthorized_client']);
    const anonymous = await exchange({}, basic('web-bff', 'wrong'));
    expect([anonymous.statusCode, json(anonymous)['error']]).toEqual([401, 'invalid_client']);
  });

  it('refreshes with rotation; a replay after the grace window revokes the session', async () => {
    const first = json(await exchange());
    const rotated = await post('/oauth/token', { grant_type: 'refresh_token', refresh_token: first['refresh_token'] as string }, basic('web-bff', 'bff-secret'));
    expect(rotated.statusCode).toBe(200);
    const second = json(rotated);
    expect(second['refresh_token']).not.toBe(first['refresh_token']);
    f.clock.advance(5_000);
    const replay = await post('/oauth/token', { grant_type: 'refresh_token', refresh_token: first['refresh_token'] as string }, basic('web-bff', 'bff-secret'));
    expect([replay.statusCode, json(replay)['error']]).toEqual([400, 'invalid_grant']);
    expect(json(await introspect(second['access_token'] as string))).toEqual({ active: false });
    expect(f.authority.core.anomalies.list().map((a) => a.kind)).toContain('refresh_token_reuse');
  });

  it('POST /oauth/revoke: 200 for the client’s own token (then inactive), an unknown one and another client’s (unchanged)', async () => {
    const s = json(await exchange());
    const access = s['access_token'] as string;
    const other = await post('/oauth/revoke', { token: access }, basic('alice', 'alice-secret'));
    expect([other.statusCode, other.body]).toEqual([200, '']);
    expect(json(await introspect(access))['active']).toBe(true);
    const unknown = await post('/oauth/revoke', { token: 'no-such-token', token_type_hint: 'refresh_token' }, basic('web-bff', 'bff-secret'));
    expect(unknown.statusCode).toBe(200);
    const own = await post('/oauth/revoke', { token: access, token_type_hint: 'access_token' }, basic('web-bff', 'bff-secret'));
    expect(own.statusCode).toBe(200);
    expect(json(await introspect(access))).toEqual({ active: false });
    const missing = await post('/oauth/revoke', {}, basic('web-bff', 'bff-secret'));
    expect([missing.statusCode, json(missing)['error']]).toEqual([400, 'invalid_request']);
    const anonymous = await post('/oauth/revoke', { token: access });
    expect([anonymous.statusCode, json(anonymous)['error']]).toEqual([401, 'invalid_client']);
  });

  it('POST /oauth/introspect: claims of an active token, {active:false} for a wrong audience, 403 for a client not listed', async () => {
    const access = json(await exchange())['access_token'] as string;
    const res = await introspect(access);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(json(res)).toMatchObject({ active: true, token_type: 'Bearer', sub: 'alice', client_id: 'web-bff', aud: 'orders-api', iss: 'http://authority.test' });
    expect(json(await introspect(access, { resource: 'billing-api' }))).toEqual({ active: false });
    const refused = await introspect(access, {}, basic('alice', 'alice-secret'));
    expect([refused.statusCode, json(refused)['error']]).toEqual([403, 'unauthorized_client']);
  });

  it('lists every grant, endpoint and auth method in the RFC 8414 metadata', async () => {
    const metadata = json(await f.authority.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' }));
    expect(metadata['grant_types_supported']).toEqual(expect.arrayContaining(['client_credentials', EXCHANGE, 'refresh_token']));
    expect(metadata['token_exchange_token_types_supported']).toEqual(expect.arrayContaining([ACCESS_TOKEN]));
  });

  it('GET /v1/sessions lists sessions; POST /v1/sessions/:sid/revoke ends one (202, sid revocation)', async () => {
    const s = json(await exchange());
    const sid = decodeJwt(s['access_token'] as string)['sid'] as string;
    const list = await f.request({ method: 'GET', url: '/v1/sessions?sub=alice&active=true', as: 'viewer' });
    expect(json(list)['sessions']).toEqual([expect.objectContaining({ sid, sub: 'alice', client_id: 'web-bff', ended_at: null })]);
    const revoked = await f.request({ method: 'POST', url: `/v1/sessions/${sid}/revoke`, as: 'responder', payload: { reason: 'laptop stolen' } });
    expect(revoked.statusCode).toBe(202);
    expect(json(revoked)).toMatchObject({ target: 'sid', value: sid });
    expect(json(await f.request({ method: 'GET', url: `/v1/sessions/${sid}`, as: 'viewer' }))).toMatchObject({ end_reason: 'revoked' });
    const refresh = await post('/oauth/token', { grant_type: 'refresh_token', refresh_token: s['refresh_token'] as string }, basic('web-bff', 'bff-secret'));
    expect(json(refresh)['error']).toBe('invalid_grant');
    expect((await f.request({ method: 'GET', url: '/v1/sessions/nope', as: 'viewer' })).statusCode).toBe(404);
    expect((await f.request({ method: 'POST', url: `/v1/sessions/${sid}/revoke`, as: 'viewer', payload: { reason: 'x' } })).statusCode).toBe(403);
  });
});
