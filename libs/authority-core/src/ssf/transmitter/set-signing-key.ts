import { CompactSign } from 'jose';
import { SigningError } from '../../errors/errors';
import { generateSigningKey, openSigningKey, SIGNING_ALG, type PublicSigningJwk, type SigningKey } from '../../keys/token-key-material';
import { translateStoreError, type AuthorityStore } from '../../store/store';
import type { Clock } from '../../time/clock';
import { SET_TYP, type SetPayload } from '../set-types';

/** AAD binding a sealed SET key to its `kid` (see keys/envelope.ts); distinct from token and event-signer keys. */
export function setKeySealContext(kid: string): string {
  return `revmesh:ssf-set-key:${kid}`;
}

/**
 * The key that signs every Security Event Token the transmitter sends. It is not a token key
 * (a receiver trusting it gains no trust in our access tokens, and a token key's compromise does
 * not forge SETs) and not an event signer (sidecars never see it). One key, created at first
 * open; published at `jwks_uri`.
 */
export interface SetSigningKey {
  readonly kid: string;
  /** The public JWK Set served at the transmitter's `jwks_uri`. */
  jwks(): { readonly keys: readonly PublicSigningJwk[] };
  /**
   * Signs a SET: JWS compact, header `{alg: ES256, typ: secevent+jwt, kid}`.
   * @throws {SigningError} when signing fails.
   */
  sign(payload: SetPayload): Promise<string>;
}

interface Row {
  kid: string;
  public_jwk: string;
  sealed_key: string;
}

/**
 * Opens the SET key, generating and storing it (sealed with the KEK) the first time.
 *
 * @throws {KeyUnwrapError} / {KeyInvalidError} when the stored key does not open with `kek`.
 */
export async function openSetSigningKey(store: AuthorityStore, kek: Buffer, clock: Clock): Promise<SetSigningKey> {
  let key: SigningKey;
  let row: Row | undefined;
  try {
    row = store.db.prepare<[], Row>('SELECT kid, public_jwk, sealed_key FROM ssf_set_keys ORDER BY created_at DESC, kid LIMIT 1').get();
  } catch (error) {
    throw translateStoreError(error, 'cannot read the SSF SET key');
  }
  if (row === undefined) {
    const generated = await generateSigningKey(kek, setKeySealContext);
    key = generated.key;
    try {
      store.transaction(() => {
        store.db
          .prepare('INSERT INTO ssf_set_keys (kid, public_jwk, sealed_key, created_at) VALUES (?, ?, ?, ?)')
          .run(key.kid, JSON.stringify(key.publicJwk), JSON.stringify(generated.sealed), clock.now());
      });
    } catch (error) {
      throw translateStoreError(error, 'cannot store the SSF SET key');
    }
  } else {
    key = await openSigningKey({ kid: row.kid, alg: SIGNING_ALG, sealed_key: row.sealed_key }, kek, setKeySealContext);
  }
  const published = [key.publicJwk];
  const encoder = new TextEncoder();
  return {
    kid: key.kid,
    jwks: () => ({ keys: published }),
    async sign(payload) {
      try {
        return await new CompactSign(encoder.encode(JSON.stringify(payload)))
          .setProtectedHeader({ alg: key.alg, typ: SET_TYP, kid: key.kid })
          .sign(key.privateKey);
      } catch (error) {
        throw new SigningError('cannot sign a security event token', { cause: error });
      }
    },
  };
}
