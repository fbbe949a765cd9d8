import { createPrivateKey, createPublicKey, generateKeyPairSync, webcrypto, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type CryptoKey } from 'jose';
import { KeyInvalidError, KeyUnwrapError } from '../errors/errors';
import { logErrorFields } from '../logging/log-fields';
import { silentLogger, type AuthorityLogger } from '../logging/logger';
import { translateStoreError, type AuthorityStore } from '../store/store';
import { systemClock, type Clock } from '../time/clock';
import { openSealedKey, sealKey } from './envelope';

/** The only signing algorithm this issue ships. A later issue adds rotation and may add EdDSA. */
export const SIGNING_ALG = 'ES256';
export type SigningAlg = typeof SIGNING_ALG;

/** A public signing key as published in the JWKS. */
export interface PublicSigningJwk {
  readonly kty: 'EC';
  readonly crv: 'P-256';
  readonly x: string;
  readonly y: string;
  readonly kid: string;
  readonly alg: SigningAlg;
  readonly use: 'sig';
}

/** The key the authority signs with, imported once (non-extractable) at start. */
export interface SigningKey {
  /** RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key. */
  readonly kid: string;
  readonly alg: SigningAlg;
  readonly privateKey: CryptoKey;
  readonly publicJwk: PublicSigningJwk;
}

/** The authority's key set. */
export interface SigningKeys {
  /** The key new tokens are signed with. */
  readonly active: SigningKey;
  /** The public JWK Set (RFC 7517) verifiers use. Never contains private members. */
  jwks(): { readonly keys: readonly PublicSigningJwk[] };
}

export interface SigningKeysOptions {
  readonly store: AuthorityStore;
  /** Key-encryption key, exactly 32 bytes. */
  readonly kek: Buffer;
  readonly clock?: Clock;
  readonly logger?: AuthorityLogger;
}

interface KeyRow {
  kid: string;
  alg: string;
  public_jwk: string;
  sealed_key: string;
}

/** AAD binding a sealed key to its `kid` (see keys/envelope.ts). */
function sealContext(kid: string): string {
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
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  return calculateJwkThumbprint(jwk, 'sha256');
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
 * Loads the active signing key, generating and storing one on first start.
 *
 * A new key is a P-256 key pair; its `kid` is the RFC 7638 thumbprint; its PKCS#8 private part
 * is sealed with the KEK before it is written, so the private key never touches the disk in the
 * clear. An existing key is only ever decrypted, never replaced: a wrong KEK fails here and
 * leaves the database untouched. The private key is imported once and reused for every token.
 *
 * @throws {KeyUnwrapError} when the stored key does not open with `kek` (wrong KEK).
 * @throws {KeyInvalidError} when the stored key is unusable or does not match its public key.
 * @throws {StoreError} when SQLite fails.
 */
export async function loadSigningKeys(options: SigningKeysOptions): Promise<SigningKeys> {
  const { store, kek } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const selectActive = store.db.prepare<[], KeyRow>(
    "SELECT kid, alg, public_jwk, sealed_key FROM signing_keys WHERE status = 'active' ORDER BY created_at LIMIT 1",
  );

  let row: KeyRow | undefined;
  try {
    row = selectActive.get();
  } catch (error) {
    throw translateStoreError(error, 'cannot read the signing keys');
  }

  if (row === undefined) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const kid = await thumbprint(privateKey);
    const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
    try {
      const sealed = sealKey(pkcs8, kek, sealContext(kid));
      const publicJwk = publicJwkOf(privateKey, kid);
      store.transaction(() => {
        // Re-checked inside the write transaction: never add a second active key by accident.
        if (selectActive.get() !== undefined) return;
        store.db
          .prepare(
            "INSERT INTO signing_keys (kid, alg, status, public_jwk, sealed_key, created_at) VALUES (?, ?, 'active', ?, ?, ?)",
          )
          .run(kid, SIGNING_ALG, JSON.stringify(publicJwk), JSON.stringify(sealed), clock.now());
      });
      row = selectActive.get();
      logger.info('generated a new signing key', { kid, alg: SIGNING_ALG });
    } catch (error) {
      logger.error('could not store a new signing key', logErrorFields(error));
      throw translateStoreError(error, 'cannot store the new signing key');
    } finally {
      pkcs8.fill(0);
    }
    if (row === undefined) throw new KeyInvalidError('the signing key vanished right after it was written');
  }

  let active: SigningKey;
  try {
    active = await openKeyRow(row, kek);
  } catch (error) {
    if (error instanceof KeyUnwrapError) {
      throw new KeyUnwrapError(
        `signing key ${row.kid} in ${store.path} cannot be decrypted: ${error.message}. ` +
          'Start with the KEK this data folder was created with; nothing was changed',
        { cause: error },
      );
    }
    throw error;
  }
  const keys = [active.publicJwk];
  return { active, jwks: () => ({ keys }) };
}

async function openKeyRow(row: KeyRow, kek: Buffer): Promise<SigningKey> {
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
    const publicJwk = publicJwkOf(keyObject, kid);
    const privateKey = await importForSigning(pkcs8, kid);
    return { kid, alg: SIGNING_ALG, privateKey, publicJwk };
  } finally {
    pkcs8.fill(0);
  }
}
