import { createPrivateKey, createPublicKey, generateKeyPairSync, webcrypto, type KeyObject } from 'node:crypto';
import type { EventSignerJwk, EventSigningKey } from '@revmesh/contracts';
import { calculateJwkThumbprint, type CryptoKey } from 'jose';
import { KeyInvalidError } from '../errors/errors';
import { openSealedKey, sealKey, type SealedKey } from '../keys/envelope';

/** An event signer opened for use: its private key imported once, non-extractable. */
export interface OpenedEventSigner extends EventSigningKey {
  readonly privateKey: CryptoKey;
  readonly publicJwk: EventSignerJwk;
}

/**
 * AAD of a sealed event signer. Deliberately different from token keys' context, so a sealed
 * event signer copied into `signing_keys` (or the reverse) fails to open instead of signing
 * tokens with an event key.
 */
export function eventSignerSealContext(kid: string): string {
  return `revmesh:event-signer:${kid}`;
}

function publicJwkOf(privateKey: KeyObject, kid: string): EventSignerJwk {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') {
    throw new KeyInvalidError(`event signer ${kid} is not an Ed25519 key`);
  }
  return { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid, alg: 'EdDSA', use: 'sig' };
}

async function thumbprint(privateKey: KeyObject): Promise<string> {
  return calculateJwkThumbprint(createPublicKey(privateKey).export({ format: 'jwk' }), 'sha256');
}

async function importForSigning(pkcs8: Buffer, kid: string): Promise<CryptoKey> {
  try {
    return await webcrypto.subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, false, ['sign']);
  } catch (error) {
    throw new KeyInvalidError(`event signer ${kid} cannot be imported: ${String(error)}`, { cause: error });
  }
}

/** Generates an Ed25519 event signer (kid = RFC 7638 thumbprint), sealed with the KEK. */
export async function generateEventSigner(kek: Buffer): Promise<{ signer: OpenedEventSigner; sealed: SealedKey }> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const kid = await thumbprint(privateKey);
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  try {
    const sealed = sealKey(pkcs8, kek, eventSignerSealContext(kid));
    return { signer: { kid, privateKey: await importForSigning(pkcs8, kid), publicJwk: publicJwkOf(privateKey, kid) }, sealed };
  } finally {
    pkcs8.fill(0);
  }
}

/**
 * Opens a stored event signer.
 *
 * @throws {KeyUnwrapError} when `kek` does not open it.
 * @throws {KeyInvalidError} when it is unusable or does not match its kid.
 */
export async function openEventSigner(row: { kid: string; sealed_key: string }, kek: Buffer): Promise<OpenedEventSigner> {
  const pkcs8 = openSealedKey(row.sealed_key, kek, eventSignerSealContext(row.kid));
  try {
    let keyObject: KeyObject;
    try {
      keyObject = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
    } catch (error) {
      throw new KeyInvalidError(`event signer ${row.kid} is not a PKCS#8 key`, { cause: error });
    }
    const kid = await thumbprint(keyObject);
    if (kid !== row.kid) throw new KeyInvalidError(`event signer ${row.kid} does not match its thumbprint ${kid}`);
    return { kid, privateKey: await importForSigning(pkcs8, kid), publicJwk: publicJwkOf(keyObject, kid) };
  } finally {
    pkcs8.fill(0);
  }
}
