import { CompactEncrypt, importJWK, type JWK } from 'jose';
import { sealingAlgorithm } from './client-keys';

/** Content encryption of a sealed secret. */
export const SEALED_SECRET_ENC = 'A256GCM';

/**
 * Seals a newly issued client secret to the public key the client registered, as a compact JWE
 * (RFC 7516): `alg` RSA-OAEP-256 or ECDH-ES by key type, `enc` A256GCM, the key's `kid` if it has
 * one, `cty: "client-secret"`. The plaintext is the secret itself (UTF-8), so whoever holds the
 * private key reads it with any JOSE library, and nobody else (the operator included) ever sees it.
 *
 * @throws {TypeError} when the key cannot seal (registration validates it first).
 */
export async function sealSecret(secret: string, jwk: JWK): Promise<string> {
  const alg = sealingAlgorithm(jwk);
  if (alg === undefined) throw new TypeError('the client encryption key cannot seal a secret');
  const key = await importJWK({ ...jwk, alg }, alg);
  return new CompactEncrypt(new TextEncoder().encode(secret))
    .setProtectedHeader({ alg, enc: SEALED_SECRET_ENC, cty: 'client-secret', ...(jwk.kid === undefined ? {} : { kid: jwk.kid }) })
    .encrypt(key);
}
