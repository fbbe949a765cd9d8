import { createPublicKey } from 'node:crypto';
import type { JSONWebKeySet, JWK } from 'jose';

/** Most keys a client's registered JWKS may hold (current, next, and a few to spare). */
export const MAX_CLIENT_JWKS_KEYS = 10;
/** Longest `jwks_uri` accepted. */
export const MAX_JWKS_URI_LENGTH = 2048;
/** Smallest RSA modulus accepted for a signing or sealing key, bits. */
export const MIN_RSA_BITS = 2048;

/** Members that only a private or symmetric JWK has: a registration carrying one is refused. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** JWE key management of a sealed secret, chosen by the kind of key the client registered. */
export type SealingAlgorithm = 'RSA-OAEP-256' | 'ECDH-ES';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why `jwk` is not a usable public RSA, EC or OKP key, or undefined. */
function publicKeyProblem(jwk: unknown): string | undefined {
  if (!isObject(jwk)) return 'must be a JWK object';
  const kty = jwk['kty'];
  if (kty !== 'RSA' && kty !== 'EC' && kty !== 'OKP') return 'kty must be RSA, EC or OKP (no symmetric keys)';
  const secret = PRIVATE_MEMBERS.find((m) => m in jwk);
  if (secret !== undefined) return `must be a public key: it has the private member "${secret}"`;
  try {
    const key = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
    const bits = key.asymmetricKeyDetails?.modulusLength;
    if (kty === 'RSA' && (bits === undefined || bits < MIN_RSA_BITS)) return `RSA keys need at least ${MIN_RSA_BITS} bits`;
  } catch (error) {
    return `is not a valid ${String(kty)} public key (${error instanceof Error ? error.message : String(error)})`;
  }
  return undefined;
}

/**
 * Why `jwks` cannot be a client's registered signing keys (`private_key_jwt`), or undefined:
 * it must be `{keys: [...]}` with 1..{@link MAX_CLIENT_JWKS_KEYS} public RSA, EC or OKP keys,
 * none marked `use: "enc"`.
 */
export function clientJwksProblem(jwks: unknown): string | undefined {
  if (!isObject(jwks) || !Array.isArray(jwks['keys'])) return 'must be a JWK Set: {"keys": [...]}';
  const keys = jwks['keys'] as unknown[];
  if (keys.length === 0 || keys.length > MAX_CLIENT_JWKS_KEYS) return `must hold 1..${MAX_CLIENT_JWKS_KEYS} keys`;
  for (const [i, key] of keys.entries()) {
    const problem = publicKeyProblem(key);
    if (problem !== undefined) return `keys[${i}] ${problem}`;
    if ((key as Record<string, unknown>)['use'] === 'enc') return `keys[${i}] is an encryption key (use "enc"); client assertions need signing keys`;
  }
  return undefined;
}

/** Loopback hosts, where `http:` is allowed (tests, a local demo). */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * Why `uri` cannot be a client's `jwks_uri`, or undefined: an absolute https URL (http only on a
 * loopback host), without credentials or fragment.
 */
export function jwksUriProblem(uri: string): string | undefined {
  if (uri.length > MAX_JWKS_URI_LENGTH) return `must be at most ${MAX_JWKS_URI_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) return 'must be https (http only on a loopback host)';
  if (url.username !== '' || url.password !== '') return 'must not carry credentials';
  if (url.hash !== '') return 'must not have a fragment';
  return undefined;
}

/**
 * The JWE algorithm a secret is sealed with to `jwk`: RSA-OAEP-256 for an RSA key, ECDH-ES for an
 * EC (P-256, P-384, P-521) or X25519 key. Undefined when the key cannot seal.
 */
export function sealingAlgorithm(jwk: JWK): SealingAlgorithm | undefined {
  if (jwk.kty === 'RSA') return 'RSA-OAEP-256';
  if (jwk.kty === 'EC' && ['P-256', 'P-384', 'P-521'].includes(jwk.crv ?? '')) return 'ECDH-ES';
  if (jwk.kty === 'OKP' && jwk.crv === 'X25519') return 'ECDH-ES';
  return undefined;
}

/**
 * Why `jwk` cannot be the public key a client's new secrets are sealed to, or undefined: a public
 * RSA key (RSA-OAEP-256), EC P-256/P-384/P-521 or OKP X25519 key (ECDH-ES); `use`, if present,
 * `enc`; `alg`, if present, the one its type implies.
 */
export function encryptionJwkProblem(jwk: unknown): string | undefined {
  const problem = publicKeyProblem(jwk);
  if (problem !== undefined) return problem;
  const key = jwk as JWK;
  const alg = sealingAlgorithm(key);
  if (alg === undefined) return 'must be an RSA key, an EC key on P-256/P-384/P-521, or an X25519 key';
  if (key.use !== undefined && key.use !== 'enc') return 'must have use "enc" (or none)';
  if (key.alg !== undefined && !(key.alg === alg || (alg === 'ECDH-ES' && key.alg.startsWith('ECDH-ES')))) return `alg must be ${alg} for this key type`;
  return undefined;
}

/** Only the public members a JWK Set needs to be stored (drops nothing a verifier uses). */
export function normalizedJwks(jwks: JSONWebKeySet): JSONWebKeySet {
  return { keys: jwks.keys.map((k) => ({ ...k })) };
}
