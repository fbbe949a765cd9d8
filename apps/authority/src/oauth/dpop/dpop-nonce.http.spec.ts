import { randomBytes } from 'node:crypto';
import { createTestDpopKey } from '@revmesh/test-support';
import { loadConfig } from '../../config/config';
import { startTestAuthority, type AuthorityFixture } from '../../testing/authority-fixture.spec-helper';

const TOKEN_URL = 'http://authority.test/oauth/token';

describe('POST /oauth/token with REVMESH_DPOP_NONCE_SECRET: server nonces (RFC 9449 §8)', () => {
  let f: AuthorityFixture;
  beforeEach(async () => {
    f = await startTestAuthority({ dpop: { maxProofAgeSeconds: 60, nonceSecret: randomBytes(32) } });
  });
  afterEach(() => f.close());

  const token = (dpop: string) =>
    f.authority.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('demo-client:demo-secret-0123456789').toString('base64')}`,
        dpop,
      },
      payload: 'grant_type=client_credentials',
    });

  it('answers use_dpop_nonce with a DPoP-Nonce to a proof without one, then binds the proof that carries it', async () => {
    const key = await createTestDpopKey({ now: () => f.clock.now() });
    const first = await token(await key.proof({ htm: 'POST', htu: TOKEN_URL }));
    expect(first.statusCode).toBe(400);
    expect(JSON.parse(first.body)).toMatchObject({ error: 'use_dpop_nonce' });
    const nonce = first.headers['dpop-nonce'];
    expect(typeof nonce).toBe('string');
    const second = await token(await key.proof({ htm: 'POST', htu: TOKEN_URL, nonce: nonce as string }));
    expect(second.statusCode).toBe(200);
    expect(JSON.parse(second.body)).toMatchObject({ token_type: 'DPoP' });
  });
});

describe('REVMESH_DPOP_* configuration', () => {
  const base = { REVMESH_ISSUER: 'https://auth.example.com', REVMESH_KEK: randomBytes(32).toString('base64'), KAFKA_BROKERS: '127.0.0.1:9092' };
  it('defaults to a 60 s window and no nonce; reads a base64url secret; refuses a short one naming the variable', () => {
    expect(loadConfig(base).dpop).toEqual({ maxProofAgeSeconds: 60 });
    const secret = randomBytes(32);
    expect(loadConfig({ ...base, REVMESH_DPOP_NONCE_SECRET: secret.toString('base64url'), REVMESH_DPOP_PROOF_MAX_AGE_SECONDS: '30' }).dpop).toEqual({ maxProofAgeSeconds: 30, nonceSecret: secret });
    expect(() => loadConfig({ ...base, REVMESH_DPOP_NONCE_SECRET: 'short' })).toThrow(/REVMESH_DPOP_NONCE_SECRET/);
  });
});
