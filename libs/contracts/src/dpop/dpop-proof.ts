import { createHash } from 'node:crypto';
import { decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import { importDpopKey, type DpopKeyCache, type ResolvedDpopKey } from './dpop-key-cache';

/** `typ` of a DPoP proof (RFC 9449 §4.2). */
export const DPOP_PROOF_TYP = 'dpop+jwt';

/**
 * Algorithms a DPoP proof may be signed with: asymmetric only (RFC 9449 §4.3 step 5: never
 * `none`, never a MAC, since the proof's key is public).
 */
export const DPOP_ASYMMETRIC_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] as const;
export type DpopAlgorithm = (typeof DPOP_ASYMMETRIC_ALGORITHMS)[number];

/** The default allow-list, advertised as `dpop_signing_alg_values_supported`. */
export const DEFAULT_DPOP_ALGORITHMS: readonly DpopAlgorithm[] = ['ES256', 'EdDSA', 'Ed25519', 'PS256', 'RS256'];

/** Default: a proof is accepted up to this many seconds after its `iat`. */
export const DEFAULT_DPOP_MAX_AGE_SECONDS = 60;
/** Default: tolerated clock difference with the client, seconds (a proof from the near future). */
export const DEFAULT_DPOP_CLOCK_TOLERANCE_SECONDS = 5;
/** Longest proof accepted, bytes (a proof carries a public key: RSA 4096 fits easily). */
export const MAX_DPOP_PROOF_BYTES = 8192;
/** Longest `jti` accepted (the replay cache stores it). */
export const MAX_DPOP_JTI_LENGTH = 256;

/**
 * Why a proof was refused. `nonce-missing` and `nonce-invalid` are answered with a fresh nonce
 * (`use_dpop_nonce`, RFC 9449 §8/§9); every other reason is `invalid_dpop_proof`.
 */
export type DpopProofFailureReason =
  | 'malformed'
  | 'typ'
  | 'alg'
  | 'jwk'
  | 'signature'
  | 'claims'
  | 'htm'
  | 'htu'
  | 'iat'
  | 'ath'
  | 'nonce-missing'
  | 'nonce-invalid';

/** What a valid proof says. */
export interface DpopProof {
  /** RFC 7638 SHA-256 thumbprint of the proof's public key (base64url): what `cnf.jkt` binds to. */
  readonly jkt: string;
  readonly jti: string;
  /** Seconds. */
  readonly iat: number;
  readonly htm: string;
  readonly htu: string;
  readonly nonce?: string;
  readonly alg: DpopAlgorithm;
}

export type DpopProofResult =
  | { readonly ok: true; readonly proof: DpopProof }
  | { readonly ok: false; readonly reason: DpopProofFailureReason; readonly message: string };

/** What the request the proof came with looked like, and what the proof must say. */
export interface DpopProofExpectations {
  /** The request's HTTP method (compared exactly with `htm`; pass it upper case). */
  readonly method: string;
  /** The request's absolute URL as the client addressed it; query and fragment are ignored. */
  readonly url: string;
  /** The access token presented with the proof: `ath` must be its hash. Absent at the token endpoint. */
  readonly accessToken?: string;
  /**
   * Nonce check (RFC 9449 §8): absent, a proof's `nonce` is ignored; present, the proof must carry
   * a nonce this function accepts (`nonce-missing` / `nonce-invalid` otherwise).
   */
  readonly acceptNonce?: (nonce: string) => boolean;
}

export interface DpopProofOptions {
  /** Accepted `alg`s; each must be asymmetric. Default {@link DEFAULT_DPOP_ALGORITHMS}. */
  readonly algorithms?: readonly string[];
  /** Oldest `iat` accepted, seconds before now. Default {@link DEFAULT_DPOP_MAX_AGE_SECONDS}. */
  readonly maxAgeSeconds?: number;
  /** Default {@link DEFAULT_DPOP_CLOCK_TOLERANCE_SECONDS}. */
  readonly clockToleranceSeconds?: number;
  /** Current time, epoch ms. */
  readonly now: () => number;
  /** Imported proof keys to reuse (a client proves with one key request after request). Default: none, each proof's key is imported. */
  readonly keyCache?: DpopKeyCache;
}

/** `ath` of an access token (RFC 9449 §4.2): base64url(SHA-256(ASCII token)). */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}

/**
 * The form `htu` is compared in (RFC 9449 §4.3 step 9): the absolute http(s) URL, with RFC 3986
 * syntax- and scheme-based normalisation (lower-case scheme and host, no default port, dot
 * segments resolved, as the WHATWG parser does), without its query and fragment. Undefined for
 * anything that is not an absolute http(s) URL.
 */
export function normalizeHtu(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
  parsed.search = '';
  parsed.hash = '';
  return parsed.href;
}

/** Members of a JWK that only a private (or symmetric) key has. */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Checks the allow-list option: a caller mistake (`none`, a MAC, an unknown name) is a `TypeError`.
 * @returns the checked list.
 */
export function checkDpopAlgorithms(algorithms: readonly string[]): readonly DpopAlgorithm[] {
  if (algorithms.length === 0) throw new TypeError('DPoP algorithms: the allow-list must not be empty');
  for (const alg of algorithms) {
    if (!(DPOP_ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg)) {
      throw new TypeError(`DPoP algorithms: ${JSON.stringify(alg)} is not allowed; use asymmetric ones only (${DPOP_ASYMMETRIC_ALGORITHMS.join(', ')})`);
    }
  }
  return algorithms as readonly DpopAlgorithm[];
}

const fail = (reason: DpopProofFailureReason, message: string): DpopProofResult => ({ ok: false, reason, message });

/**
 * Verifies a DPoP proof JWT as RFC 9449 §4.3 says: one compact JWS of bounded size, `typ`
 * `dpop+jwt`, an allowed asymmetric `alg`, a public `jwk` header that verifies the signature,
 * `jti`/`htm`/`htu`/`iat` claims, `htm` and `htu` matching the request, `iat` within the window,
 * `ath` matching the access token when one is presented, and the nonce when one is required.
 * Never throws for a bad proof. Replay (`jti` seen before) and key binding (`jkt` = the token's
 * `cnf.jkt`) are the caller's next steps: only a valid proof may enter a replay cache.
 */
export async function verifyDpopProof(proof: string, expected: DpopProofExpectations, options: DpopProofOptions): Promise<DpopProofResult> {
  const algorithms = checkDpopAlgorithms(options.algorithms ?? DEFAULT_DPOP_ALGORITHMS);
  const maxAge = options.maxAgeSeconds ?? DEFAULT_DPOP_MAX_AGE_SECONDS;
  const tolerance = options.clockToleranceSeconds ?? DEFAULT_DPOP_CLOCK_TOLERANCE_SECONDS;
  if (proof.length > MAX_DPOP_PROOF_BYTES) return fail('malformed', `the DPoP proof is longer than ${MAX_DPOP_PROOF_BYTES} bytes`);
  if (!COMPACT_JWS.test(proof)) return fail('malformed', 'the DPoP proof is not a compact JWS');
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    return fail('malformed', 'the DPoP proof header is not readable JSON');
  }
  if (header.typ !== DPOP_PROOF_TYP) return fail('typ', `the DPoP proof typ must be ${DPOP_PROOF_TYP}, got ${JSON.stringify(header.typ)}`);
  const alg = header.alg;
  if (typeof alg !== 'string' || !(algorithms as readonly string[]).includes(alg)) {
    return fail('alg', `the DPoP proof alg ${JSON.stringify(alg)} is not allowed (allowed: ${algorithms.join(', ')})`);
  }
  const jwk = header.jwk as Record<string, unknown> | undefined;
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return fail('jwk', 'the DPoP proof has no jwk header');
  const privateMember = PRIVATE_JWK_MEMBERS.find((m) => m in jwk);
  if (privateMember !== undefined) return fail('jwk', `the DPoP proof jwk holds private key material (${privateMember}): send the public key only`);
  let payload: Record<string, unknown>;
  let resolved: ResolvedDpopKey;
  try {
    resolved = options.keyCache === undefined ? await importDpopKey(jwk, alg) : await options.keyCache.resolve(jwk, alg);
    // The time claims are checked below against the injected clock; exp/nbf (optional here) by jose.
    ({ payload } = await jwtVerify(proof, resolved.key, { algorithms: [alg], typ: DPOP_PROOF_TYP, currentDate: new Date(options.now()), clockTolerance: tolerance }));
  } catch (error) {
    if (error instanceof joseErrors.JWSSignatureVerificationFailed) return fail('signature', 'the DPoP proof signature does not verify with its jwk');
    if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWKInvalid || error instanceof joseErrors.JOSENotSupported) return fail('jwk', `the DPoP proof jwk is unusable: ${(error as Error).message}`);
    return fail('claims', `the DPoP proof is invalid: ${(error as Error).message}`);
  }
  const { jti, htm, htu, iat, ath, nonce } = payload;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_DPOP_JTI_LENGTH) return fail('claims', `the DPoP proof needs a jti of 1..${MAX_DPOP_JTI_LENGTH} characters`);
  if (typeof htm !== 'string') return fail('claims', 'the DPoP proof needs an htm claim');
  if (typeof htu !== 'string') return fail('claims', 'the DPoP proof needs an htu claim');
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return fail('claims', 'the DPoP proof needs a numeric iat claim');
  if (htm !== expected.method) return fail('htm', `the DPoP proof is for ${JSON.stringify(htm)}, not this ${expected.method} request`);
  const requestUrl = normalizeHtu(expected.url);
  const proofUrl = normalizeHtu(htu);
  if (requestUrl === undefined) return fail('htu', `the request URL ${JSON.stringify(expected.url)} is not absolute: the server cannot check htu`);
  if (proofUrl === undefined || proofUrl !== requestUrl) return fail('htu', `the DPoP proof is for ${JSON.stringify(htu)}, not ${requestUrl}`);
  const nowSeconds = options.now() / 1000;
  if (iat > nowSeconds + tolerance) return fail('iat', 'the DPoP proof iat lies in the future');
  if (iat < nowSeconds - maxAge - tolerance) return fail('iat', `the DPoP proof is older than ${maxAge} s: send a fresh one`);
  if (expected.accessToken !== undefined) {
    if (typeof ath !== 'string') return fail('ath', 'the DPoP proof needs an ath claim (the access token hash)');
    if (ath !== accessTokenHash(expected.accessToken)) return fail('ath', 'the DPoP proof ath does not match the access token');
  }
  if (nonce !== undefined && typeof nonce !== 'string') return fail('claims', 'the DPoP proof nonce must be a string');
  if (expected.acceptNonce !== undefined) {
    if (nonce === undefined) return fail('nonce-missing', 'a DPoP nonce is required: retry with the nonce in the DPoP-Nonce header');
    if (!expected.acceptNonce(nonce)) return fail('nonce-invalid', 'the DPoP nonce is unknown or expired: retry with the nonce in the DPoP-Nonce header');
  }
  return { ok: true, proof: { jkt: resolved.jkt, jti, iat, htm, htu, alg: alg as DpopAlgorithm, ...(nonce === undefined ? {} : { nonce }) } };
}
