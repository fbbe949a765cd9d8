import { createPrivateKey, createPublicKey, generateKeyPairSync, webcrypto, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type CryptoKey } from 'jose';
import { KeyInvalidError } from '../errors/errors';
import { openSealedKey, sealKey, type SealedKey } from './envelope';

/** The only token-signing algorithm shipped so far. */
export const SIGNING_ALG = 'ES256';
export type SigningAlg = typeof SIGNING_ALG;

/** A public signing key as published in the JWKS and on the keys topic. */
export interface PublicSigningJwk {
  readonly kty: 'EC';
  readonly crv: 'P-256';
  readonly x: string;
  readonly y: string;
  readonly kid: string;
  readonly alg: SigningAlg;
  readonly use: 'sig';
}

/** A token-signing key opened for use: imported once (non-extractable). */
export interface SigningKey {
  /** RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key. */
  readonly kid: string;
  readonly alg: SigningAlg;
  readonly privateKey: CryptoKey;
  readonly publicJwk: PublicSigningJwk;
}

/** A freshly generated key: opened, plus its sealed private part ready to be stored. */
export interface GeneratedSigningKey {
  readonly key: SigningKey;
  readonly sealed: SealedKey;
}

/** AAD binding a sealed token key to its `kid` (see keys/envelope.ts). */
export function signingKeySealContext(kid: string): string {
  return `revmesh:signing-key:${kid}`;
}

function publicJwkOf(privateKey: KeyObject, kid: string): PublicSigningJwk {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string') {
    throw new KeyInvalidError(`signing key ${kid} is not a P-256 EC key`);
  }
  return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, kid, alg: SIGNING_ALG, use: 'sig' };
}

async function thumbprint(privateKey: KeyObject): Promise<string> {
  return calculateJwkThumbprint(createPublicKey(privateKey).export({ format: 'jwk' }), 'sha256');
}

async function importForSigning(pkcs8: Buffer, kid: string): Promise<CryptoKey> {
  try {
    // Non-extractable: once imported, the private key cannot be exported from this process's
    // key object again, only used to sign.
    return await webcrypto.subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  } catch (error) {
    throw new KeyInvalidError(`signing key ${kid} cannot be imported: ${String(error)}`, { cause: error });
  }
}

/**
 * Generates a P-256 token-signing key: kid = RFC 7638 thumbprint, private part sealed with the
 * KEK before anything is written, so the private key never touches the disk in the clear.
 *
 * @param sealContext the AAD of the seal per kid: another key family (the SSF SET key) passes
 *   its own, so a sealed key copied between tables never opens as the other kind.
 */
export async function generateSigningKey(kek: Buffer, sealContext: (kid: string) => string = signingKeySealContext): Promise<GeneratedSigningKey> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const kid = await thumbprint(privateKey);
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  try {
    const sealed = sealKey(pkcs8, kek, sealContext(kid));
    const imported = await importForSigning(pkcs8, kid);
    return { key: { kid, alg: SIGNING_ALG, privateKey: imported, publicJwk: publicJwkOf(privateKey, kid) }, sealed };
  } finally {
    pkcs8.fill(0);
  }
}

/**
 * Opens a stored token key.
 *
 * @throws {KeyUnwrapError} when `kek` does not open it (wrong KEK, altered row).
 * @throws {KeyInvalidError} when it is unusable or does not match its own kid.
 */
export async function openSigningKey(
  row: { kid: string; alg: string; sealed_key: string },
  kek: Buffer,
  sealContext: (kid: string) => string = signingKeySealContext,
): Promise<SigningKey> {
  if (row.alg !== SIGNING_ALG) {
    throw new KeyInvalidError(`signing key ${row.kid} uses ${row.alg}; this authority only supports ${SIGNING_ALG}`);
  }
  const pkcs8 = openSealedKey(row.sealed_key, kek, sealContext(row.kid));
  try {
    let keyObject: KeyObject;
    try {
      keyObject = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
    } catch (error) {
      throw new KeyInvalidError(`signing key ${row.kid} is not a PKCS#8 key`, { cause: error });
    }
    // The kid is derived from the key, so a row whose kid does not match its own key has been
    // tampered with; refusing it keeps tokens from claiming a kid verifiers cannot match.
    const kid = await thumbprint(keyObject);
    if (kid !== row.kid) {
      throw new KeyInvalidError(`signing key ${row.kid} does not match its thumbprint ${kid}`);
    }
    return { kid, alg: SIGNING_ALG, privateKey: await importForSigning(pkcs8, kid), publicJwk: publicJwkOf(keyObject, kid) };
  } finally {
    pkcs8.fill(0);
  }
}
