import { generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT } from 'jose';
import type { CompactJWSHeaderParameters, JWTVerifyGetKey } from 'jose' with { 'resolution-mode': 'import' };
import { verifyJwt } from './jwt-verify';

const NOW = 1_700_000_000;
const ISSUER = 'https://auth.example';
const options = { issuer: ISSUER, audience: 'orders', requiredClaims: ['jti'], clockTolerance: 5, maxTokenAge: 3600, currentDate: new Date(NOW * 1000) };
const headerOf = (token: string): CompactJWSHeaderParameters => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as CompactJWSHeaderParameters;
/** What the sidecar's precheck lets through to the signature check: a readable header with an `alg`. */
const passesPrecheck = (token: string): boolean => {
  try {
    return typeof headerOf(token).alg === 'string';
  } catch {
    return false;
  }
};

/** The outcome of a verification: the payload, or the jose error code. */
const outcome = (run: () => Promise<{ payload: unknown }>): Promise<unknown> =>
  run().then(
    ({ payload }) => ({ ok: payload }),
    (error: { code?: string; constructor: { name: string } }) => ({ error: error.code ?? error.constructor.name }),
  );

/** Both verifiers on the same token and key lookup. */
async function both(token: string, getKey: JWTVerifyGetKey, algorithms: string[], extra: Record<string, unknown> = {}) {
  const opts = { ...options, algorithms, ...extra };
  return {
    jose: await outcome(() => jwtVerify(token, getKey, opts)),
    ours: await outcome(() => verifyJwt(token, headerOf(token), getKey, opts)),
  };
}

/** Single-character changes across the token, truncations and swapped parts. */
function mutations(token: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < token.length; i += 7) {
    if (token[i] === '.') continue;
    out.push(`${token.slice(0, i)}${token[i] === 'A' ? 'B' : 'A'}${token.slice(i + 1)}`);
  }
  const [h, p, s] = token.split('.') as [string, string, string];
  out.push(`${h}.${p}.${s.slice(0, -1)}`, `${h}.${p}.${s.slice(0, -4)}`, `${h}.${p}.${s}AAAA`, `${h}.${p}.`, `${h}.${p}.${p}`);
  return out;
}

describe('verifyJwt (node:crypto signature check, jose claim checks)', () => {
  const claims = { sub: 'alice', jti: 'j-1', client_id: 'c' };
  const cases = [
    { alg: 'ES256', gen: 'ES256' },
    { alg: 'ES384', gen: 'ES384' },
    { alg: 'ES512', gen: 'ES512' },
    { alg: 'RS256', gen: 'RS256' },
    { alg: 'RS512', gen: 'RS512' },
    { alg: 'PS256', gen: 'PS256' },
    { alg: 'PS384', gen: 'PS384' },
    { alg: 'EdDSA', gen: 'EdDSA' },
    { alg: 'Ed25519', gen: 'Ed25519' },
  ];

  it.each(cases)('agrees with jose jwtVerify for $alg over valid, expired, mis-addressed and mutated tokens', async ({ alg, gen }) => {
    const { privateKey, publicKey } = await generateKeyPair(gen, { extractable: true });
    const other = await generateKeyPair(gen, { extractable: true });
    const getKey: JWTVerifyGetKey = () => publicKey;
    const make = (body: Record<string, unknown>, key = privateKey) =>
      new SignJWT({ ...claims, ...body }).setProtectedHeader({ alg, typ: 'at+jwt' }).setIssuer(ISSUER).setAudience('orders').setIssuedAt(NOW - 10).setExpirationTime(NOW + 300).sign(key);
    const valid = await make({});
    const tokens = [
      valid,
      await make({ exp: NOW - 60 }),
      await make({ aud: 'billing' }),
      await make({ iss: 'https://evil.example' }),
      await make({ iat: NOW - 7200 }),
      await make({ jti: undefined }),
      await make({}, other.privateKey),
      ...mutations(valid),
    ];
    let accepted = 0;
    for (const token of tokens.filter(passesPrecheck)) {
      const { jose, ours } = await both(token, getKey, [alg]);
      expect({ token, ours }).toEqual({ token, ours: jose });
      if ('ok' in (ours as object)) accepted++;
    }
    expect(accepted).toBeGreaterThanOrEqual(1);
  });

  it('hands a key jose would refuse, or one that is not a CryptoKey, to jose with the same result', async () => {
    const es = await generateKeyPair('ES256', { extractable: true });
    const token = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256' }).setIssuer(ISSUER).setAudience('orders').setIssuedAt(NOW).setExpirationTime(NOW + 60).sign(es.privateKey);
    const asKeyObject = KeyObject.from(es.publicKey);
    const p384 = await generateKeyPair('ES384');
    const imported = await importJWK({ ...(await exportJWK(es.publicKey)) }, 'ES256');
    for (const key of [asKeyObject, p384.publicKey, imported, await exportJWK(es.publicKey)]) {
      const { jose, ours } = await both(token, () => key as never, ['ES256']);
      expect(ours).toEqual(jose);
    }
  });

  it('refuses an RSA key under 2048 bits as jose does', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const header = Buffer.from(JSON.stringify({ alg: 'RS256' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ ...claims, iss: ISSUER, aud: 'orders', iat: NOW, exp: NOW + 60 })).toString('base64url');
    const token = `${header}.${payload}.${sign('sha256', Buffer.from(`${header}.${payload}`), privateKey).toString('base64url')}`;
    const cryptoKey = await importJWK(publicKey.export({ format: 'jwk' }), 'RS256').catch(() => undefined);
    for (const key of [publicKey, cryptoKey].filter((k) => k !== undefined)) {
      const { jose, ours } = await both(token, () => key as never, ['RS256']);
      expect(ours).toEqual(jose);
      expect(ours).not.toHaveProperty('ok');
    }
  });

  it('leaves a token with a critical header parameter to jose', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA');
    const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', crit: ['b64'], b64: true })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ ...claims, iss: ISSUER, aud: 'orders', iat: NOW, exp: NOW + 60 })).toString('base64url');
    const token = `${header}.${payload}.${sign(null, Buffer.from(`${header}.${payload}`), KeyObject.from(privateKey)).toString('base64url')}`;
    const { jose, ours } = await both(token, () => publicKey, ['EdDSA']);
    expect(ours).toEqual(jose);
  });

  it('calls the key lookup once, with the parsed header and the token parts, and passes its failure on', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const token = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(ISSUER).setAudience('orders').setIssuedAt(NOW).setExpirationTime(NOW + 60).sign(privateKey);
    const calls: unknown[][] = [];
    await verifyJwt(token, headerOf(token), (...args) => (calls.push(args), publicKey), { ...options, algorithms: ['ES256'] });
    const [h, p, s] = token.split('.');
    expect(calls).toEqual([[{ alg: 'ES256', kid: 'k1' }, { protected: h, payload: p, signature: s }]]);
    const failure = new Error('no key');
    await expect(verifyJwt(token, headerOf(token), () => Promise.reject(failure), { ...options, algorithms: ['ES256'] })).rejects.toBe(failure);
  });

  it('checks the signature of the common case without WebCrypto', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const token = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256' }).setIssuer(ISSUER).setAudience('orders').setIssuedAt(NOW).setExpirationTime(NOW + 60).sign(privateKey);
    const subtle = jest.spyOn(globalThis.crypto.subtle, 'verify').mockRejectedValue(new Error('WebCrypto used'));
    try {
      await expect(verifyJwt(token, headerOf(token), () => publicKey, { ...options, algorithms: ['ES256'] })).resolves.toMatchObject({ payload: { sub: 'alice' } });
      await expect(jwtVerify(token, () => publicKey, { ...options, algorithms: ['ES256'] })).rejects.toThrow();
    } finally {
      subtle.mockRestore();
    }
  });
});
