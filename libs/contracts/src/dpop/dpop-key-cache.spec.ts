import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { createDpopKeyCache } from './dpop-key-cache';
import { verifyDpopProof } from './dpop-proof';

describe('createDpopKeyCache', () => {
  let jwk: JWK;
  let privateKey: CryptoKey;
  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    jwk = await exportJWK(pair.publicKey);
    privateKey = pair.privateKey;
  });

  it('imports a key once per public key and algorithm, with its thumbprint; extra members do not matter', async () => {
    const cache = createDpopKeyCache(10);
    const first = await cache.resolve(jwk as Record<string, unknown>, 'ES256');
    expect(first.jkt).toBe(await calculateJwkThumbprint(jwk, 'sha256'));
    expect(await cache.resolve({ ...jwk, kid: 'whatever', ext: true }, 'ES256')).toBe(first);
    expect(cache.size).toBe(1);
  });

  it('keeps at most maxEntries keys, dropping the least recently used', async () => {
    const cache = createDpopKeyCache(2);
    const keys = await Promise.all([1, 2, 3].map(async () => exportJWK((await generateKeyPair('ES256')).publicKey)));
    const a = await cache.resolve(keys[0]! as Record<string, unknown>, 'ES256');
    await cache.resolve(keys[1]! as Record<string, unknown>, 'ES256');
    await cache.resolve(keys[0]! as Record<string, unknown>, 'ES256'); // a is now the most recent
    await cache.resolve(keys[2]! as Record<string, unknown>, 'ES256'); // drops keys[1]
    expect(cache.size).toBe(2);
    expect(await cache.resolve(keys[0]! as Record<string, unknown>, 'ES256')).toBe(a);
  });

  it('still refuses a jwk whose use or alg contradicts the header, and a key jose cannot import', async () => {
    const cache = createDpopKeyCache();
    await cache.resolve(jwk as Record<string, unknown>, 'ES256');
    await expect(cache.resolve({ ...jwk, use: 'enc' }, 'ES256')).rejects.toThrow(/use/);
    await expect(cache.resolve({ ...jwk, alg: 'ES384' }, 'ES256')).rejects.toThrow(/alg/);
    await expect(cache.resolve({ kty: 'EC', crv: 'P-256', x: 5 }, 'ES256')).rejects.toThrow();
    expect(() => createDpopKeyCache(0)).toThrow(TypeError);
  });

  it('verifyDpopProof gives the same answers with a cache: valid proofs pass, another key’s signature does not', async () => {
    const cache = createDpopKeyCache();
    const url = 'https://api.example.com/x';
    const now = Date.now();
    const sign = (key: CryptoKey, jti: string) => new SignJWT({ jti, htm: 'GET', htu: url, iat: Math.floor(now / 1000) }).setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk }).sign(key);
    for (const jti of ['1', '2']) expect(await verifyDpopProof(await sign(privateKey, jti), { method: 'GET', url }, { now: () => now, keyCache: cache })).toMatchObject({ ok: true, proof: { jti } });
    const other = await generateKeyPair('ES256');
    expect(await verifyDpopProof(await sign(other.privateKey, '3'), { method: 'GET', url }, { now: () => now, keyCache: cache })).toMatchObject({ ok: false, reason: 'signature' });
    expect(cache.size).toBe(1);
  });
});
