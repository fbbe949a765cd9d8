import { systemAuditContext } from '@revmesh/authority-core';
import { createTestDpopKey, type TestDpopKey } from '@revmesh/test-support';
import { decodeJwt } from 'jose';
import { startTestAuthority, type AuthorityFixture } from '../../testing/authority-fixture.spec-helper';

const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const TOKEN_URL = 'http://authority.test/oauth/token';
const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/** The session grants (token exchange, refresh) run the same DPoP step as client_credentials. */
describe('DPoP on the session grants', () => {
  let f: AuthorityFixture;
  let key: TestDpopKey;
  beforeEach(async () => {
    f = await startTestAuthority();
    key = await createTestDpopKey({ now: () => f.clock.now() });
    f.authority.core.clients.ensure({ clientId: 'web-bff', clientSecret: 'bff-secret', audiences: ['web'], scopes: [] });
    f.authority.core.clients.ensure({ clientId: 'alice', clientSecret: 'alice-secret', audiences: ['web'], scopes: [] });
    f.authority.core.securityPolicy.update({ tokenExchange: { rules: [{ clients: ['web-bff'], issuers: ['self'], audiences: ['orders-api'] }] } }, systemAuditContext('test', 'dpop session tests'));
  });
  afterEach(() => f.close());

  const post = (form: Record<string, string>, authorization: string, dpop?: string) =>
    f.authority.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization, ...(dpop === undefined ? {} : { dpop }) },
      payload: new URLSearchParams(form).toString(),
    });
  const json = (res: { body: string }): Record<string, unknown> => JSON.parse(res.body) as Record<string, unknown>;
  const proof = (by: TestDpopKey = key): Promise<string> => by.proof({ htm: 'POST', htu: TOKEN_URL });
  const exchange = async (dpop?: string) => {
    const user = json(await post({ grant_type: 'client_credentials' }, basic('alice', 'alice-secret')))['access_token'] as string;
    return post({ grant_type: EXCHANGE, subject_token: user, subject_token_type: ACCESS_TOKEN, audience: 'orders-api' }, basic('web-bff', 'bff-secret'), dpop);
  };
  const refresh = (refreshToken: string, dpop?: string) => post({ grant_type: 'refresh_token', refresh_token: refreshToken }, basic('web-bff', 'bff-secret'), dpop);

  it('token exchange with a proof: a DPoP access token bound to the key, in a session', async () => {
    const body = json(await exchange(await proof()));
    expect(body['token_type']).toBe('DPoP');
    expect(decodeJwt(body['access_token'] as string)).toMatchObject({ sid: expect.any(String), cnf: { jkt: key.jkt } });
  });

  it('refresh with a proof binds the new access token to that key (a confidential client may change keys); without one, a Bearer token', async () => {
    const first = json(await exchange(await proof()));
    const other = await createTestDpopKey({ now: () => f.clock.now() });
    const rebound = json(await refresh(first['refresh_token'] as string, await proof(other)));
    expect(rebound['token_type']).toBe('DPoP');
    expect(decodeJwt(rebound['access_token'] as string)['cnf']).toEqual({ jkt: other.jkt });
    const bearer = json(await refresh(rebound['refresh_token'] as string));
    expect(bearer['token_type']).toBe('Bearer');
    expect(decodeJwt(bearer['access_token'] as string)['cnf']).toBeUndefined();
  });

  it('a bad proof is refused before the refresh token is touched: it still works afterwards', async () => {
    const first = json(await exchange());
    const refused = await refresh(first['refresh_token'] as string, await key.proof({ htm: 'POST', htu: 'http://authority.test/elsewhere' }));
    expect(refused.statusCode).toBe(400);
    expect(json(refused)).toMatchObject({ error: 'invalid_dpop_proof' });
    const ok = await refresh(first['refresh_token'] as string, await proof());
    expect(ok.statusCode).toBe(200);
    expect(json(ok)['token_type']).toBe('DPoP');
  });
});
