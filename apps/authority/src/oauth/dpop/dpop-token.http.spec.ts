import { decodeJwt } from 'jose';
import { createTestDpopKey, type TestDpopKey } from '@revmesh/test-support';
import { startTestAuthority, type AuthorityFixture } from '../../testing/authority-fixture.spec-helper';

const DEMO_SECRET = 'demo-secret-0123456789';
const TOKEN_URL = 'http://authority.test/oauth/token';

describe('POST /oauth/token with a DPoP proof (RFC 9449 §5)', () => {
  let f: AuthorityFixture;
  let key: TestDpopKey;
  beforeEach(async () => {
    f = await startTestAuthority();
    key = await createTestDpopKey({ now: () => f.clock.now() });
  });
  afterEach(() => f.close());

  const token = (dpop?: string | string[]) =>
    f.authority.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`demo-client:${DEMO_SECRET}`).toString('base64')}`,
        ...(dpop === undefined ? {} : { dpop }),
      },
      payload: 'grant_type=client_credentials',
    });

  it('binds the token to the proof key: cnf.jkt and token_type DPoP; without a proof a Bearer token as before', async () => {
    const bound = await token(await key.proof({ htm: 'POST', htu: TOKEN_URL }));
    expect(bound.statusCode).toBe(200);
    const body = JSON.parse(bound.body) as { access_token: string; token_type: string };
    expect(body.token_type).toBe('DPoP');
    expect(decodeJwt(body.access_token)['cnf']).toEqual({ jkt: key.jkt });
    const bearer = JSON.parse((await token()).body) as { access_token: string; token_type: string };
    expect(bearer.token_type).toBe('Bearer');
    expect(decodeJwt(bearer.access_token)['cnf']).toBeUndefined();
  });

  it.each<[string, (k: TestDpopKey) => Promise<string | string[]>]>([
    ['a proof for another URL', (k) => k.proof({ htm: 'POST', htu: 'http://authority.test/v1/revocations' })],
    ['a proof for GET', (k) => k.proof({ htm: 'GET', htu: TOKEN_URL })],
    ['a proof with typ JWT', (k) => k.proof({ htm: 'POST', htu: TOKEN_URL, header: { typ: 'JWT' } })],
    ['two proofs', async (k) => [await k.proof({ htm: 'POST', htu: TOKEN_URL }), await k.proof({ htm: 'POST', htu: TOKEN_URL })]],
    ['garbage', async () => 'not-a-jwt'],
  ])('answers invalid_dpop_proof (400) to %s, and issues nothing', async (_label, make) => {
    const answer = await token(await make(key));
    expect(answer.statusCode).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ error: 'invalid_dpop_proof', error_description: expect.any(String) });
  });

  it('refuses a proof used twice', async () => {
    const proof = await key.proof({ htm: 'POST', htu: TOKEN_URL });
    expect((await token(proof)).statusCode).toBe(200);
    expect(JSON.parse((await token(proof)).body)).toMatchObject({ error: 'invalid_dpop_proof', error_description: expect.stringContaining('already used') });
  });

  it('advertises dpop_signing_alg_values_supported in the metadata and the OpenID discovery document alike', async () => {
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      const doc = JSON.parse((await f.authority.app.inject({ method: 'GET', url: path })).body) as Record<string, unknown>;
      expect(doc['dpop_signing_alg_values_supported']).toEqual(expect.arrayContaining(['ES256', 'EdDSA']));
      expect(doc['dpop_signing_alg_values_supported']).not.toContain('HS256');
    }
  });

  it('a jkt revocation: validated, audited, and the token endpoint then refuses to bind that key', async () => {
    const bad = await f.request({ method: 'POST', url: '/v1/revocations', payload: { target: 'jkt', value: 'not-a-thumbprint', reason: 'stolen key' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/thumbprint/);
    const accepted = await f.request({ method: 'POST', url: '/v1/revocations', payload: { target: 'jkt', value: key.jkt, reason: 'stolen key' } });
    expect(accepted.statusCode).toBe(202);
    expect(JSON.parse(accepted.body)).toMatchObject({ target: 'jkt', value: key.jkt });
    const audited = f.authority.core.store.db.prepare("SELECT target FROM audit_log WHERE action = 'revocations.create'").pluck().all();
    expect(audited).toContain(JSON.parse(accepted.body).id);
    const refused = await token(await key.proof({ htm: 'POST', htu: TOKEN_URL }));
    expect(JSON.parse(refused.body)).toEqual({ error: 'invalid_dpop_proof', error_description: expect.stringContaining('revoked') });
    const other = await createTestDpopKey({ now: () => f.clock.now() });
    expect(JSON.parse((await token(await other.proof({ htm: 'POST', htu: TOKEN_URL }))).body)).toMatchObject({ token_type: 'DPoP' });
  });

  it('PUT /v1/clients/:id/dpop requires DPoP of a client (audited): its token requests without a proof are refused', async () => {
    const read = await f.request({ method: 'GET', url: '/v1/clients/demo-client/dpop', as: 'viewer' });
    expect(JSON.parse(read.body)).toEqual({ client_id: 'demo-client', dpop_bound_access_tokens: false });
    expect((await f.request({ method: 'PUT', url: '/v1/clients/demo-client/dpop', payload: { dpop_bound_access_tokens: 'yes' } })).statusCode).toBe(400);
    expect((await f.request({ method: 'PUT', url: '/v1/clients/nobody/dpop', payload: { dpop_bound_access_tokens: true } })).statusCode).toBe(404);
    expect((await f.request({ method: 'PUT', url: '/v1/clients/demo-client/dpop', payload: { dpop_bound_access_tokens: true }, as: 'viewer' })).statusCode).toBe(403);
    const set = await f.request({ method: 'PUT', url: '/v1/clients/demo-client/dpop', payload: { dpop_bound_access_tokens: true } });
    expect(set.statusCode).toBe(200);
    expect(JSON.parse(set.body)).toEqual({ client_id: 'demo-client', dpop_bound_access_tokens: true });
    const audited = f.authority.core.store.db.prepare("SELECT target, details FROM audit_log WHERE action = 'clients.dpop-requirement'").all();
    expect(audited).toEqual([{ target: 'demo-client', details: JSON.stringify({ dpop_bound_access_tokens: true, before: false }) }]);
    const refused = await token();
    expect(refused.statusCode).toBe(400);
    expect(JSON.parse(refused.body)).toMatchObject({ error: 'invalid_dpop_proof', error_description: expect.stringContaining('must send a DPoP proof') });
    expect(JSON.parse((await token(await key.proof({ htm: 'POST', htu: TOKEN_URL }))).body)).toMatchObject({ token_type: 'DPoP' });
  });
});
