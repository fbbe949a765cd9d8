import { createTestIssuer, type TestIssuer } from '@revmesh/test-support';
import { AUDIENCE, createSidecarFixture, ISSUER, type SidecarFixture } from './testing/sidecar-fixture.spec-helper';
import type { SidecarIssuerOptions } from './options/sidecar-options';
import type { VerifyResult } from './verify/verify-result';

const OTHER = 'https://sso.example.test/realms/acme';
const code = (result: VerifyResult): string => (result.ok ? 'OK' : result.code);

/** The order n of P-256: for an ECDSA signature (r, s), (r, n − s) verifies too. */
const P256_ORDER = BigInt('0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551');

/** The same ES256 token with its signature's `s` replaced by `n − s`: a different, equally valid signature. */
function malleate(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const bytes = Buffer.from(signature, 'base64url');
  expect(bytes).toHaveLength(64);
  const s = BigInt(`0x${bytes.subarray(32).toString('hex')}`);
  const flipped = Buffer.from((P256_ORDER - s).toString(16).padStart(64, '0'), 'hex');
  return `${header}.${payload}.${Buffer.concat([bytes.subarray(0, 32), flipped]).toString('base64url')}`;
}

describe('sidecar with several issuers', () => {
  let f: SidecarFixture;
  let other: TestIssuer;

  /** A Keycloak-like issuer: RS256, `typ: JWT`, the client in `azp`. */
  const otherToken = (claims: Record<string, unknown> = {}, header: Record<string, unknown> = { typ: 'JWT' }): Promise<string> =>
    other.sign({ client_id: undefined, azp: 'web-app', ...claims }, { header });

  const start = async (entry: Partial<SidecarIssuerOptions> = {}): Promise<void> => {
    await f?.sidecar.close();
    f = await createSidecarFixture({ sidecar: { issuers: [{ issuer: OTHER, keys: { jwks: other.jwks }, ...entry }] } });
  };

  beforeEach(async () => {
    f = await createSidecarFixture({ start: false });
    other = await createTestIssuer({ issuer: OTHER, audience: AUDIENCE, alg: 'RS256', clock: f.clock.now });
    await start();
  });
  afterEach(async () => {
    await f.sidecar.close();
  });

  it('accepts tokens of the authority and of the other issuer, each with its own key and profile', async () => {
    expect(code(await f.sidecar.verify(await f.issuer.sign({ sub: 'alice' })))).toBe('OK');
    const result = await f.sidecar.verify(await otherToken({ sub: 'alice' }));
    // The client claim is found in azp and exposed as client_id (what client_id rules match).
    expect(result).toEqual({ ok: true, claims: expect.objectContaining({ iss: OTHER, sub: 'alice', azp: 'web-app', client_id: 'web-app' }) });
  });

  it('refuses a token whose iss is none of the trusted issuers with ISSUER_MISMATCH, before any key lookup', async () => {
    const stranger = await createTestIssuer({ issuer: 'https://evil.test', audience: AUDIENCE, clock: f.clock.now });
    const result = await f.sidecar.verify(await stranger.sign());
    expect(result).toMatchObject({ ok: false, code: 'ISSUER_MISMATCH', message: expect.stringContaining('https://evil.test') });
  });

  it("never verifies one issuer's token with another issuer's keys", async () => {
    // Signed by the authority's key but claiming the other issuer: looked up in the other issuer's set only.
    const crossed = await f.issuer.sign({ iss: OTHER, azp: 'web-app' }, { header: { typ: 'JWT' } });
    expect(code(await f.sidecar.verify(crossed))).toBe('KEY_UNKNOWN');
  });

  it('checks typ per issuer: JWT for the other issuer, at+jwt only for the authority', async () => {
    expect(code(await f.sidecar.verify(await f.issuer.sign({}, { header: { typ: 'JWT' } })))).toBe('TYPE_MISMATCH');
    expect(code(await f.sidecar.verify(await otherToken({}, { typ: 'at+jwt' })))).toBe('OK');
    expect(code(await f.sidecar.verify(await otherToken({}, { typ: undefined })))).toBe('TYPE_MISMATCH');
    await start({ allowMissingTyp: true });
    expect(code(await f.sidecar.verify(await otherToken({}, { typ: undefined })))).toBe('OK');
    expect(code(await f.sidecar.verify(await f.issuer.sign({}, { header: { typ: undefined } })))).toBe('TYPE_MISMATCH');
  });

  it('checks the algorithm allow-list per issuer', async () => {
    await start({ algorithms: ['PS256'] });
    expect(code(await f.sidecar.verify(await otherToken()))).toBe('ALG_NOT_ALLOWED');
  });

  it('checks the audience per issuer', async () => {
    await start({ audience: 'account' });
    expect(code(await f.sidecar.verify(await otherToken()))).toBe('AUDIENCE_MISMATCH');
    expect(code(await f.sidecar.verify(await otherToken({ aud: ['account', 'x'] })))).toBe('OK');
    expect(code(await f.sidecar.verify(await f.issuer.sign()))).toBe('OK');
  });

  it('finds the client in the configured claims, in order, and refuses a token without one', async () => {
    expect(code(await f.sidecar.verify(await otherToken({ azp: undefined })))).toBe('CLAIM_MISSING');
    const both = await f.sidecar.verify(await otherToken({ client_id: 'svc', azp: 'web-app' }));
    expect(both.ok && both.claims.client_id).toBe('svc');
    await start({ clientIdClaims: ['cid'] });
    const okta = await f.sidecar.verify(await otherToken({ azp: undefined, cid: 'okta-app' }));
    expect(okta.ok && okta.claims.client_id).toBe('okta-app');
  });

  it('requires the claims configured for that issuer only', async () => {
    await start({ requiredClaims: ['scope', 'tenant'] });
    expect(code(await f.sidecar.verify(await otherToken()))).toBe('CLAIM_MISSING');
    expect(code(await f.sidecar.verify(await otherToken({ tenant: 't1' })))).toBe('OK');
    expect(code(await f.sidecar.verify(await f.issuer.sign()))).toBe('OK');
  });

  it("scopes deny rules by issuer: revoking the other issuer's alice leaves the authority's alice alone", async () => {
    const authorityAlice = await f.issuer.sign({ sub: 'alice' });
    const otherAlice = await otherToken({ sub: 'alice' });
    const revocation = await f.revoke({ type: 'sub', value: 'alice' }, { iss: OTHER });
    expect(await f.sidecar.verify(otherAlice)).toMatchObject({ ok: false, code: 'TOKEN_REVOKED', revocationId: revocation.payload.revocation_id });
    expect(code(await f.sidecar.verify(authorityAlice))).toBe('OK');
  });

  it("applies a revocation without iss to the authority's tokens only (events from before issuers existed)", async () => {
    const authorityAlice = await f.issuer.sign({ sub: 'alice', client_id: 'web-app' });
    const otherAlice = await otherToken({ sub: 'alice' });
    await f.revoke({ type: 'sub', value: 'alice' });
    await f.revoke({ type: 'client_id', value: 'web-app' });
    expect(code(await f.sidecar.verify(authorityAlice))).toBe('TOKEN_REVOKED');
    expect(code(await f.sidecar.verify(otherAlice))).toBe('OK');
  });

  it("treats a revocation naming the authority's own issuer like one naming none", async () => {
    const token = await f.issuer.sign({ sub: 'bob' });
    await f.revoke({ type: 'sub', value: 'bob' }, { iss: ISSUER });
    expect(code(await f.sidecar.verify(token))).toBe('TOKEN_REVOKED');
  });

  it('matches client_id rules of the other issuer on the client claim it was found in (azp)', async () => {
    const token = await otherToken({ azp: 'web-app' });
    await f.revoke({ type: 'client_id', value: 'web-app' }, { iss: OTHER });
    expect(code(await f.sidecar.verify(token))).toBe('TOKEN_REVOKED');
  });
});

describe('deny rules match claims, not token bytes', () => {
  it('still denies a revoked jti after its ES256 signature is re-encoded as (r, n − s)', async () => {
    const f = await createSidecarFixture();
    try {
      const token = await f.issuer.sign({ jti: 'jti-malleable' });
      const twin = malleate(token);
      expect(twin).not.toBe(token);
      // The twin is a valid signature of the same claims: accepted while nothing is revoked.
      expect(code(await f.sidecar.verify(twin))).toBe('OK');
      await f.revoke({ type: 'jti', value: 'jti-malleable' });
      expect(code(await f.sidecar.verify(token))).toBe('TOKEN_REVOKED');
      expect(code(await f.sidecar.verify(twin))).toBe('TOKEN_REVOKED');
    } finally {
      await f.sidecar.close();
    }
  });
});
