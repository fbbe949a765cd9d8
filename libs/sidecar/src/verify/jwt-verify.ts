import { constants, KeyObject, verify as verifySignature, webcrypto, type VerifyKeyObjectInput } from 'node:crypto';
import { errors as joseErrors, jwtVerify, UnsecuredJWT } from 'jose';
import type { CompactJWSHeaderParameters, JWTPayload, JWTVerifyGetKey, JWTVerifyOptions } from 'jose' with { 'resolution-mode': 'import' };

/**
 * What jose requires of a `CryptoKey` for each JWS algorithm (its `jws_algorithms` table):
 * `algorithm.name`, and the hash or curve; with the node:crypto parameters of the same check.
 */
interface Scheme {
  readonly name: string;
  readonly hash?: string;
  readonly namedCurve?: string;
  readonly rsa?: boolean;
  /** node:crypto digest; null for Ed25519. */
  readonly digest: string | null;
  readonly options: Omit<VerifyKeyObjectInput, 'key'>;
}

const ecdsa = (namedCurve: string, bits: number): Scheme => ({ name: 'ECDSA', namedCurve, digest: `sha${bits}`, options: { dsaEncoding: 'ieee-p1363' } });
const pkcs1 = (bits: number): Scheme => ({ name: 'RSASSA-PKCS1-v1_5', hash: `SHA-${bits}`, rsa: true, digest: `sha${bits}`, options: { padding: constants.RSA_PKCS1_PADDING } });
const pss = (bits: number): Scheme => ({
  name: 'RSA-PSS',
  hash: `SHA-${bits}`,
  rsa: true,
  digest: `sha${bits}`,
  options: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: bits / 8 },
});
const ed25519: Scheme = { name: 'Ed25519', digest: null, options: {} };

const SCHEMES: Readonly<Record<string, Scheme>> = {
  ES256: ecdsa('P-256', 256),
  ES384: ecdsa('P-384', 384),
  ES512: ecdsa('P-521', 512),
  RS256: pkcs1(256),
  RS384: pkcs1(384),
  RS512: pkcs1(512),
  PS256: pss(256),
  PS384: pss(384),
  PS512: pss(512),
  EdDSA: ed25519,
  Ed25519: ed25519,
};

/** `{"alg":"none"}`: the header of the unsecured JWT jose's claim checks are run on, once the signature is checked. */
const UNSECURED_HEADER = Buffer.from('{"alg":"none"}').toString('base64url');

/** WebCrypto's key class (a global on Node 20; `webcrypto.CryptoKey` is not defined there at runtime). */
const CryptoKeyClass = (globalThis as unknown as { readonly CryptoKey: typeof webcrypto.CryptoKey }).CryptoKey;

/** True if `key` is a CryptoKey that jose would accept for `scheme` (its checkCryptoKey, usage and RSA size rules). */
function fitsScheme(key: unknown, scheme: Scheme): key is webcrypto.CryptoKey {
  if (!(key instanceof CryptoKeyClass) || key.type !== 'public' || !key.usages.includes('verify')) return false;
  const algorithm = key.algorithm as { name: string; hash?: { name: string }; namedCurve?: string; modulusLength?: number };
  if (algorithm.name !== scheme.name) return false;
  if (scheme.hash !== undefined && algorithm.hash?.name !== scheme.hash) return false;
  if (scheme.namedCurve !== undefined && algorithm.namedCurve !== scheme.namedCurve) return false;
  return !scheme.rsa || (typeof algorithm.modulusLength === 'number' && algorithm.modulusLength >= 2048);
}

const keyObjects = new WeakMap<webcrypto.CryptoKey, KeyObject>();
function keyObjectOf(key: webcrypto.CryptoKey): KeyObject {
  let converted = keyObjects.get(key);
  if (converted === undefined) {
    converted = KeyObject.from(key);
    keyObjects.set(key, converted);
  }
  return converted;
}

function checkSignature(scheme: Scheme, key: KeyObject, signingInput: string, signature: string): Promise<boolean> {
  const input: VerifyKeyObjectInput = { key, ...scheme.options };
  return new Promise((resolve) => {
    try {
      verifySignature(scheme.digest, Buffer.from(signingInput, 'latin1'), input, Buffer.from(signature, 'base64url'), (error, verified) => resolve(!error && verified));
    } catch {
      resolve(false);
    }
  });
}

/**
 * jose's `jwtVerify` of a compact JWT, with the signature checked by node:crypto's one-shot
 * `verify` on the libuv pool instead of WebCrypto: on Node 20, `crypto.subtle.verify` of an ES256
 * signature keeps the main thread busy for about as long as the curve arithmetic itself, which
 * on a small machine is what limits verifications per second.
 *
 * Behaves as `jwtVerify(token, getKey, options)`: the same key lookup (called once), the same
 * algorithm and key rules, `JWSSignatureVerificationFailed` for a bad signature, and jose's own
 * claim checks (`UnsecuredJWT.decode` over the verified payload, with the same options). Anything
 * outside the common case (a `crit` or `b64` header, a key that is not a CryptoKey fitting the
 * algorithm exactly, an unknown algorithm, a signature segment of impossible length) is handed to
 * `jwtVerify` itself, with the key already found.
 *
 * @param header the token's protected header, already parsed (the precheck read it).
 */
export async function verifyJwt(
  token: string,
  header: CompactJWSHeaderParameters,
  getKey: JWTVerifyGetKey,
  options: JWTVerifyOptions & { readonly algorithms: readonly string[] },
): Promise<{ readonly payload: JWTPayload }> {
  const alg = header.alg;
  const scheme = typeof alg === 'string' && options.algorithms.includes(alg) ? SCHEMES[alg] : undefined;
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  const signature = token.slice(second + 1);
  if (scheme === undefined || header.crit !== undefined || header.b64 !== undefined || second < 0 || signature.length % 4 === 1) {
    return jwtVerify(token, getKey, options);
  }
  const payload = token.slice(first + 1, second);
  const key: unknown = await getKey(header, { payload, signature, protected: token.slice(0, first) });
  if (!fitsScheme(key, scheme)) return jwtVerify(token, key as Parameters<typeof jwtVerify>[1], options);
  if (!(await checkSignature(scheme, keyObjectOf(key), token.slice(0, second), signature))) {
    throw new joseErrors.JWSSignatureVerificationFailed();
  }
  return { payload: UnsecuredJWT.decode(`${UNSECURED_HEADER}.${payload}.`, options).payload };
}
