import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { accessTokenHash, checkDpopAlgorithms, normalizeHtu, verifyDpopProof, type DpopProofExpectations, type DpopProofOptions } from './dpop-proof';

const NOW = 1_800_000_000_000;
const URL_ = 'https://api.example.com/orders';
const options: DpopProofOptions = { now: () => NOW };

describe('verifyDpopProof (RFC 9449 §4.3)', () => {
  let privateKey: CryptoKey;
  let jwk: JWK;
  let privateJwk: JWK;
  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    privateKey = pair.privateKey;
    jwk = await exportJWK(pair.publicKey);
    privateJwk = await exportJWK(pair.privateKey);
  });

  const proof = (
    claims: Record<string, unknown> = {},
    header: Record<string, unknown> = {},
    key: CryptoKey = privateKey,
  ): Promise<string> =>
    new SignJWT({ jti: 'p-1', htm: 'GET', htu: URL_, iat: NOW / 1000, ...claims })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk, ...header } as never)
      .sign(key);
  const expected: DpopProofExpectations = { method: 'GET', url: URL_ };

  it('accepts a valid proof and returns its key thumbprint, jti and claims', async () => {
    const result = await verifyDpopProof(await proof(), expected, options);
    expect(result).toEqual({ ok: true, proof: { jkt: await calculateJwkThumbprint(jwk, 'sha256'), jti: 'p-1', iat: NOW / 1000, htm: 'GET', htu: URL_, alg: 'ES256' } });
  });

  it('ignores the query and fragment of htu and of the request URL, and normalises case and default ports', async () => {
    const result = await verifyDpopProof(await proof({ htu: 'HTTPS://API.example.com:443/orders?x=1#f' }), { method: 'GET', url: `${URL_}?page=2` }, options);
    expect(result.ok).toBe(true);
  });

  it('checks ath against the access token when one is presented', async () => {
    const token = 'header.payload.signature';
    expect((await verifyDpopProof(await proof({ ath: accessTokenHash(token) }), { ...expected, accessToken: token }, options)).ok).toBe(true);
    expect(await verifyDpopProof(await proof(), { ...expected, accessToken: token }, options)).toMatchObject({ ok: false, reason: 'ath' });
    expect(await verifyDpopProof(await proof({ ath: accessTokenHash('other') }), { ...expected, accessToken: token }, options)).toMatchObject({ ok: false, reason: 'ath' });
  });

  it.each<[string, () => Promise<string>, string]>([
    ['not a JWS', async () => 'nope', 'malformed'],
    ['an oversized proof', async () => `${'a'.repeat(9000)}.b.c`, 'malformed'],
    ['an unreadable header', async () => 'e30x.e30.e30', 'malformed'],
  ])('refuses %s', async (_label, make, reason) => {
    expect(await verifyDpopProof(await make(), expected, options)).toMatchObject({ ok: false, reason });
  });

  it('refuses a typ other than dpop+jwt', async () => {
    expect(await verifyDpopProof(await proof({}, { typ: 'JWT' }), expected, options)).toMatchObject({ ok: false, reason: 'typ' });
  });

  it('refuses an algorithm outside the allow-list, and symmetric ones always', async () => {
    expect(await verifyDpopProof(await proof(), expected, { ...options, algorithms: ['EdDSA'] })).toMatchObject({ ok: false, reason: 'alg' });
    const hs = await new SignJWT({ jti: 'x', htm: 'GET', htu: URL_, iat: NOW / 1000 })
      .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: { kty: 'oct', k: 'c2VjcmV0' } } as never)
      .sign(new TextEncoder().encode('secret-secret-secret-secret-secret'));
    expect(await verifyDpopProof(hs, expected, options)).toMatchObject({ ok: false, reason: 'alg' });
    expect(() => checkDpopAlgorithms(['HS256'])).toThrow(TypeError);
    expect(() => checkDpopAlgorithms(['none'])).toThrow(/asymmetric/);
  });

  it('refuses a missing jwk, a private jwk, and a signature made with another key', async () => {
    expect(await verifyDpopProof(await proof({}, { jwk: undefined }), expected, options)).toMatchObject({ ok: false, reason: 'jwk' });
    expect(await verifyDpopProof(await proof({}, { jwk: privateJwk }), expected, options)).toMatchObject({ ok: false, reason: 'jwk', message: expect.stringContaining('private') });
    const other = await generateKeyPair('ES256');
    expect(await verifyDpopProof(await proof({}, {}, other.privateKey), expected, options)).toMatchObject({ ok: false, reason: 'signature' });
  });

  it.each([
    ['no jti', { jti: undefined }],
    ['an oversized jti', { jti: 'j'.repeat(257) }],
    ['no htm', { htm: undefined }],
    ['no htu', { htu: undefined }],
    ['no iat', { iat: undefined }],
    ['a non-string nonce', { nonce: 5 }],
  ])('refuses a proof with %s', async (_label, claims) => {
    expect(await verifyDpopProof(await proof(claims), expected, options)).toMatchObject({ ok: false, reason: 'claims' });
  });

  it('refuses a proof for another method or another URL', async () => {
    expect(await verifyDpopProof(await proof({ htm: 'POST' }), expected, options)).toMatchObject({ ok: false, reason: 'htm' });
    expect(await verifyDpopProof(await proof({ htu: 'https://api.example.com/admin' }), expected, options)).toMatchObject({ ok: false, reason: 'htu' });
    expect(await verifyDpopProof(await proof({ htu: 'https://evil.example.com/orders' }), expected, options)).toMatchObject({ ok: false, reason: 'htu' });
    expect(await verifyDpopProof(await proof({ htu: '/orders' }), expected, options)).toMatchObject({ ok: false, reason: 'htu' });
  });

  it('refuses a proof older than the window or from the future, within the clock tolerance', async () => {
    const s = NOW / 1000;
    expect((await verifyDpopProof(await proof({ iat: s - 64 }), expected, options)).ok).toBe(true);
    expect(await verifyDpopProof(await proof({ iat: s - 66 }), expected, options)).toMatchObject({ ok: false, reason: 'iat' });
    expect((await verifyDpopProof(await proof({ iat: s + 4 }), expected, options)).ok).toBe(true);
    expect(await verifyDpopProof(await proof({ iat: s + 6 }), expected, options)).toMatchObject({ ok: false, reason: 'iat' });
    expect(await verifyDpopProof(await proof({ iat: s - 20 }), expected, { ...options, maxAgeSeconds: 10 })).toMatchObject({ ok: false, reason: 'iat' });
  });

  it('asks for a nonce when one is required, and refuses one the server does not accept', async () => {
    const acceptNonce = (n: string): boolean => n === 'good';
    expect(await verifyDpopProof(await proof(), { ...expected, acceptNonce }, options)).toMatchObject({ ok: false, reason: 'nonce-missing' });
    expect(await verifyDpopProof(await proof({ nonce: 'bad' }), { ...expected, acceptNonce }, options)).toMatchObject({ ok: false, reason: 'nonce-invalid' });
    expect(await verifyDpopProof(await proof({ nonce: 'good' }), { ...expected, acceptNonce }, options)).toMatchObject({ ok: true, proof: { nonce: 'good' } });
  });
});

describe('normalizeHtu', () => {
  it('keeps scheme, host and path only, and refuses what is not an absolute http(s) URL', () => {
    expect(normalizeHtu('https://Example.COM:443/a/../b?q#f')).toBe('https://example.com/b');
    expect(normalizeHtu('http://example.com:8080/x')).toBe('http://example.com:8080/x');
    expect(normalizeHtu('/relative')).toBeUndefined();
    expect(normalizeHtu('ftp://example.com/x')).toBeUndefined();
  });
});
