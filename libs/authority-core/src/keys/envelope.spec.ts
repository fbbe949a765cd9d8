import { randomBytes } from 'node:crypto';
import { KeyInvalidError, KeyUnwrapError } from '../errors/errors';
import { openSealedKey, sealKey } from './envelope';

describe('key envelope', () => {
  const kek = randomBytes(32);
  const secret = Buffer.from('-----pretend this is a PKCS#8 private key-----');

  it('round-trips through seal and open', () => {
    const sealed = sealKey(secret, kek, 'kid-1');
    expect(openSealedKey(sealed, kek, 'kid-1')).toEqual(secret);
    expect(openSealedKey(JSON.stringify(sealed), kek, 'kid-1')).toEqual(secret);
  });

  it('stores version, both IVs and tags, a wrapped DEK, and no plaintext', () => {
    const sealed = sealKey(secret, kek, 'kid-1');
    expect(sealed).toEqual({
      version: 1,
      alg: 'A256GCM',
      wrapped_dek: expect.any(String),
      dek_iv: expect.any(String),
      dek_tag: expect.any(String),
      iv: expect.any(String),
      tag: expect.any(String),
      ciphertext: expect.any(String),
    });
    expect(Buffer.from(sealed.wrapped_dek, 'base64url')).toHaveLength(32);
    expect(Buffer.from(sealed.dek_iv, 'base64url')).toHaveLength(12);
    expect(Buffer.from(sealed.tag, 'base64url')).toHaveLength(16);
    const json = JSON.stringify(sealed);
    expect(json).not.toContain(secret.toString('base64url'));
    expect(json).not.toContain(secret.toString('base64'));
    expect(Buffer.from(sealed.ciphertext, 'base64url').equals(secret)).toBe(false);
  });

  it('uses a fresh DEK and IVs every time', () => {
    const a = sealKey(secret, kek, 'kid-1');
    const b = sealKey(secret, kek, 'kid-1');
    expect(a.wrapped_dek).not.toBe(b.wrapped_dek);
    expect(a.ciphertext).not.toBe(b.ciphertext);
  });

  it('fails with KeyUnwrapError under the wrong KEK', () => {
    const sealed = sealKey(secret, kek, 'kid-1');
    expect(() => openSealedKey(sealed, randomBytes(32), 'kid-1')).toThrow(KeyUnwrapError);
  });

  it('fails when the envelope is moved to another kid (AAD binding)', () => {
    const sealed = sealKey(secret, kek, 'kid-1');
    expect(() => openSealedKey(sealed, kek, 'kid-2')).toThrow(KeyUnwrapError);
  });

  it('fails when the ciphertext is altered', () => {
    const sealed = sealKey(secret, kek, 'kid-1');
    const bytes = Buffer.from(sealed.ciphertext, 'base64url');
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    expect(() => openSealedKey({ ...sealed, ciphertext: bytes.toString('base64url') }, kek, 'kid-1')).toThrow(
      KeyUnwrapError,
    );
  });

  it('rejects unknown envelope versions and garbage with KeyInvalidError', () => {
    const sealed = sealKey(secret, kek, 'kid-1');
    expect(() => openSealedKey({ ...sealed, version: 2 }, kek, 'kid-1')).toThrow(KeyInvalidError);
    expect(() => openSealedKey('not json', kek, 'kid-1')).toThrow(KeyInvalidError);
  });

  it('refuses a KEK that is not 32 bytes', () => {
    expect(() => sealKey(secret, randomBytes(16), 'kid-1')).toThrow(TypeError);
  });
});
