import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { KeyInvalidError, KeyUnwrapError } from '../errors/errors';

/**
 * Envelope encryption of private keys at rest.
 *
 * A fresh random 256-bit data-encryption key (DEK) encrypts the key material with AES-256-GCM;
 * the key-encryption key (KEK, `REVMESH_KEK`) encrypts ("wraps") the DEK, also with
 * AES-256-GCM. Only the wrapped DEK, both IVs, both tags and the ciphertext are stored. The
 * split keeps the KEK's use tiny (one 32-byte block per key), which is what later allows the
 * KEK to move into a KMS/HSM or be rotated by re-wrapping DEKs without touching key material.
 *
 * Both layers authenticate `context` (the key's `kid`) as additional data, so a sealed key
 * copied onto another row fails to open instead of silently signing under the wrong `kid`.
 */

/** Version of the envelope format below. Bump when the layout or algorithms change. */
export const ENVELOPE_VERSION = 1;

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

const b64 = z.string().regex(/^[A-Za-z0-9_-]+$/);

const sealedKeySchema = z.strictObject({
  version: z.literal(ENVELOPE_VERSION),
  alg: z.literal('A256GCM'),
  wrapped_dek: b64,
  dek_iv: b64,
  dek_tag: b64,
  iv: b64,
  tag: b64,
  ciphertext: b64,
});

/** A sealed private key as stored (JSON, base64url fields). */
export type SealedKey = z.infer<typeof sealedKeySchema>;

function assertKek(kek: Buffer): void {
  if (kek.length !== KEY_BYTES) {
    throw new TypeError(`the KEK must be exactly ${KEY_BYTES} bytes, got ${kek.length}`);
  }
}

function encrypt(key: Buffer, plaintext: Buffer, aad: Buffer): { iv: Buffer; tag: Buffer; ciphertext: Buffer } {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), ciphertext };
}

function decrypt(key: Buffer, iv: Buffer, tag: Buffer, ciphertext: Buffer, aad: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}

/**
 * Encrypts `plaintext` under a fresh DEK, wrapped by `kek`.
 *
 * @param context bound to both layers as AAD (the `kid`); the same value must be given to open it.
 * @throws {TypeError} when `kek` is not 32 bytes.
 */
export function sealKey(plaintext: Buffer, kek: Buffer, context: string): SealedKey {
  assertKek(kek);
  const aad = Buffer.from(context, 'utf8');
  const dek = randomBytes(KEY_BYTES);
  try {
    const wrapped = encrypt(kek, dek, aad);
    const sealed = encrypt(dek, plaintext, aad);
    return {
      version: ENVELOPE_VERSION,
      alg: 'A256GCM',
      wrapped_dek: wrapped.ciphertext.toString('base64url'),
      dek_iv: wrapped.iv.toString('base64url'),
      dek_tag: wrapped.tag.toString('base64url'),
      iv: sealed.iv.toString('base64url'),
      tag: sealed.tag.toString('base64url'),
      ciphertext: sealed.ciphertext.toString('base64url'),
    };
  } finally {
    dek.fill(0);
  }
}

/**
 * Decrypts a sealed key.
 *
 * @param stored the sealed key as stored (parsed JSON or the JSON text).
 * @throws {KeyUnwrapError} when `kek` (or `context`) does not authenticate the envelope:
 *   the wrong KEK, or a tampered row.
 * @throws {KeyInvalidError} when `stored` is not an envelope this version understands.
 */
export function openSealedKey(stored: unknown, kek: Buffer, context: string): Buffer {
  assertKek(kek);
  let raw = stored;
  if (typeof stored === 'string') {
    try {
      raw = JSON.parse(stored);
    } catch (error) {
      throw new KeyInvalidError('the stored key envelope is not JSON', { cause: error });
    }
  }
  const parsed = sealedKeySchema.safeParse(raw);
  if (!parsed.success) {
    throw new KeyInvalidError(`the stored key envelope is not a version-${ENVELOPE_VERSION} envelope`, {
      cause: parsed.error,
    });
  }
  const e = parsed.data;
  const aad = Buffer.from(context, 'utf8');
  const buf = (s: string): Buffer => Buffer.from(s, 'base64url');
  let dek: Buffer;
  try {
    dek = decrypt(kek, buf(e.dek_iv), buf(e.dek_tag), buf(e.wrapped_dek), aad);
  } catch (error) {
    throw new KeyUnwrapError('the KEK does not decrypt this key (wrong KEK, or the key row was altered)', {
      cause: error,
    });
  }
  try {
    return decrypt(dek, buf(e.iv), buf(e.tag), buf(e.ciphertext), aad);
  } catch (error) {
    throw new KeyUnwrapError('the key material fails authentication (the key row was altered)', { cause: error });
  } finally {
    dek.fill(0);
  }
}

/**
 * Re-wraps a sealed key's DEK under `newKek` without touching the key material: the DEK, its
 * ciphertext, IV and tag stay as they are; only `wrapped_dek`, `dek_iv` and `dek_tag` change.
 * This is what makes KEK rotation cheap and safe (see kek/rewrap-kek.ts).
 *
 * @throws {KeyUnwrapError} when `oldKek` does not open the envelope.
 * @throws {KeyInvalidError} when `stored` is not an envelope this version understands.
 */
export function rewrapSealedKey(stored: unknown, oldKek: Buffer, newKek: Buffer, context: string): SealedKey {
  assertKek(oldKek);
  assertKek(newKek);
  // Opening fully (not only the DEK) proves the whole envelope is intact before it is rewritten.
  openSealedKey(stored, oldKek, context).fill(0);
  const e = sealedKeySchema.parse(typeof stored === 'string' ? JSON.parse(stored) : stored);
  const aad = Buffer.from(context, 'utf8');
  const buf = (s: string): Buffer => Buffer.from(s, 'base64url');
  const dek = decrypt(oldKek, buf(e.dek_iv), buf(e.dek_tag), buf(e.wrapped_dek), aad);
  try {
    const wrapped = encrypt(newKek, dek, aad);
    return {
      ...e,
      wrapped_dek: wrapped.ciphertext.toString('base64url'),
      dek_iv: wrapped.iv.toString('base64url'),
      dek_tag: wrapped.tag.toString('base64url'),
    };
  } finally {
    dek.fill(0);
  }
}
