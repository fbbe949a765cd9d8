import type { RevocationTargetType } from '@revmesh/contracts';
import type { EpochSeconds } from '../internal/units';

/**
 * Why a token was not accepted. Stable: services log, count and branch on these values, and the
 * HTTP adapters put them in the problem+json `code` member.
 *
 * | code | meaning |
 * | --- | --- |
 * | `TOKEN_MISSING` | no `Authorization: Bearer` credentials (HTTP adapters only) |
 * | `MALFORMED` | not a compact JWS, oversized, unparsable header/payload, or a claim of the wrong type |
 * | `ALG_NOT_ALLOWED` | header `alg` outside the allow-list (`none` and `HS*` never pass) |
 * | `TYPE_MISMATCH` | header `typ` is not the required one (`at+jwt` by default, RFC 9068) |
 * | `KEY_UNKNOWN` | no key of the issuer's key set matches the header `kid`/`alg` (unknown or retired key) |
 * | `KEY_REVOKED` | the header `kid` names a revoked key: every token it signed is refused, before any signature check |
 * | `KEY_NOT_ACTIVE` | signed by a key the keys topic announced as `pending` (pre-published standby), which the authority never signs with: refused unless its promotion arrives within `PENDING_KEY_GRACE_MS` and the token was issued after it; also a token issued before its key's promotion |
 * | `KEYS_UNAVAILABLE` | the key set could not be fetched (network, timeout, bad JWKS document) |
 * | `SIGNATURE_INVALID` | the signature does not verify with the matching key |
 * | `ISSUER_MISMATCH` | `iss` is not the configured issuer |
 * | `AUDIENCE_MISMATCH` | `aud` does not contain the configured audience |
 * | `TOKEN_EXPIRED` | `exp` has passed, or `iat` is older than `maxTokenLifetimeSeconds` |
 * | `TOKEN_LIFETIME_EXCEEDED` | `exp − iat` is longer than `maxTokenLifetimeSeconds`: a token no policy allows, refused even while fresh |
 * | `TOKEN_NOT_YET_VALID` | `nbf` or `iat` lies in the future (beyond the clock tolerance) |
 * | `CLAIM_MISSING` | a claim RFC 9068 requires is absent (iss, sub, aud, exp, iat, jti, client_id) |
 * | `TOKEN_REVOKED` | a deny rule matches (jti, or sub/client_id/sid/jkt issued at or before the revocation) |
 * | `DPOP_REQUIRED` | a DPoP-bound token (`cnf.jkt`) was presented as a bearer token, or without a `DPoP` proof |
 * | `DPOP_INVALID` | the `DPoP` proof is invalid (RFC 9449 §4.3: typ, alg, jwk, signature, htm, htu, iat window, ath), is bound to another key than the token's `cnf.jkt`, or an unbound token was presented with the `DPoP` scheme |
 * | `DPOP_REPLAY` | the proof's `jti` was already used with this key (per sidecar instance), or is too old to tell while the replay cache is full |
 * | `DPOP_NONCE_REQUIRED` | the sidecar requires server nonces and the proof had none, or an expired one: retry with the `DPoP-Nonce` answered |
 * | `KILL_SWITCH_CUT` | a kill switch (global, or one of the token's audiences) rejects every token with `iat` at or before its cut; a newer token passes |
 * | `LOCKDOWN` | a kill switch with lockdown covers this service (global, or one of its audiences): every token is refused, valid or not, until it is lifted; checked before anything else |
 * | `DENY_LIST_OVERFLOW` | the deny list had to drop a live rule; every token is refused until it could no longer matter |
 * | `NOT_READY` | the sidecar has not caught up with the revocation topic yet, or is closed |
 * | `STALE_STATE` | the sidecar has heard nothing from the authority for longer than `staleness.maxSilenceMs` and the route is fail-closed |
 * | `INTERNAL_ERROR` | a bug or an unexpected library failure; logged at error |
 */
export type VerifyFailureCode =
  | 'TOKEN_MISSING'
  | 'MALFORMED'
  | 'ALG_NOT_ALLOWED'
  | 'TYPE_MISMATCH'
  | 'KEY_UNKNOWN'
  | 'KEY_REVOKED'
  | 'KEY_NOT_ACTIVE'
  | 'KEYS_UNAVAILABLE'
  | 'SIGNATURE_INVALID'
  | 'ISSUER_MISMATCH'
  | 'AUDIENCE_MISMATCH'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_LIFETIME_EXCEEDED'
  | 'TOKEN_NOT_YET_VALID'
  | 'CLAIM_MISSING'
  | 'TOKEN_REVOKED'
  | 'DPOP_REQUIRED'
  | 'DPOP_INVALID'
  | 'DPOP_REPLAY'
  | 'DPOP_NONCE_REQUIRED'
  | 'KILL_SWITCH_CUT'
  | 'LOCKDOWN'
  | 'DENY_LIST_OVERFLOW'
  | 'NOT_READY'
  | 'STALE_STATE'
  | 'INTERNAL_ERROR';

/** Every {@link VerifyFailureCode}, for metrics, exhaustive tests and documentation. */
export const VERIFY_FAILURE_CODES: readonly VerifyFailureCode[] = [
  'TOKEN_MISSING',
  'MALFORMED',
  'ALG_NOT_ALLOWED',
  'TYPE_MISMATCH',
  'KEY_UNKNOWN',
  'KEY_REVOKED',
  'KEY_NOT_ACTIVE',
  'KEYS_UNAVAILABLE',
  'SIGNATURE_INVALID',
  'ISSUER_MISMATCH',
  'AUDIENCE_MISMATCH',
  'TOKEN_EXPIRED',
  'TOKEN_LIFETIME_EXCEEDED',
  'TOKEN_NOT_YET_VALID',
  'CLAIM_MISSING',
  'TOKEN_REVOKED',
  'DPOP_REQUIRED',
  'DPOP_INVALID',
  'DPOP_REPLAY',
  'DPOP_NONCE_REQUIRED',
  'KILL_SWITCH_CUT',
  'LOCKDOWN',
  'DENY_LIST_OVERFLOW',
  'NOT_READY',
  'STALE_STATE',
  'INTERNAL_ERROR',
];

/**
 * The claims of an accepted access token (RFC 9068 profile). Only claims the sidecar checked
 * are typed; anything else the issuer added is there as `unknown`.
 */
export interface AccessTokenClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: string | readonly string[];
  readonly exp: EpochSeconds;
  readonly iat: EpochSeconds;
  readonly jti: string;
  readonly client_id: string;
  readonly nbf?: EpochSeconds;
  /** Space-separated scopes (RFC 9068 §2.2.3.1), when the issuer includes them. */
  readonly scope?: string;
  /** Session (refresh-token family) id, when the issuer includes it. */
  readonly sid?: string;
  /** Confirmation (RFC 7800); `cnf.jkt`: the thumbprint of the key a DPoP-bound token is bound to (RFC 9449 §6.1). */
  readonly cnf?: { readonly jkt?: string; readonly [member: string]: unknown };
  readonly [claim: string]: unknown;
}

export interface VerifySuccess {
  readonly ok: true;
  readonly claims: AccessTokenClaims;
}

/** A token denied by a revocation; `revocationId` names the rule, for logs and audits. */
export interface TokenRevokedFailure {
  readonly ok: false;
  readonly code: 'TOKEN_REVOKED';
  readonly message: string;
  readonly revocationId: string;
  /** Which claim the revocation matched. */
  readonly target: RevocationTargetType;
}

/** A token signed by a revoked key (`kid`); refused before its signature is even checked. */
export interface KeyRevokedFailure {
  readonly ok: false;
  readonly code: 'KEY_REVOKED';
  readonly message: string;
  readonly kid: string;
}

/** Which kill switch: every audience, or one. */
export type KillSwitchScope = { readonly kind: 'global' } | { readonly kind: 'audience'; readonly audience: string };

/**
 * A kill switch refused the token: `KILL_SWITCH_CUT` (issued at or before `notAfterIat`, seconds)
 * or `LOCKDOWN` (the scope is locked down: every token refused). `scope` names the switch.
 */
export interface KillSwitchFailure {
  readonly ok: false;
  readonly code: 'KILL_SWITCH_CUT' | 'LOCKDOWN';
  readonly message: string;
  readonly scope: KillSwitchScope;
}

/** The DPoP failure codes (RFC 9449 §7.1): answered with a `WWW-Authenticate: DPoP` challenge. */
export type DpopFailureCode = 'DPOP_REQUIRED' | 'DPOP_INVALID' | 'DPOP_REPLAY' | 'DPOP_NONCE_REQUIRED';

/**
 * A DPoP-bound token refused for its proof of possession. `nonce`, when present, is the server
 * nonce the client must put in its next proof (sent as the `DPoP-Nonce` header).
 */
export interface DpopFailure {
  readonly ok: false;
  readonly code: DpopFailureCode;
  readonly message: string;
  readonly nonce?: string;
}

export interface OtherVerifyFailure {
  readonly ok: false;
  readonly code: Exclude<VerifyFailureCode, 'TOKEN_REVOKED' | 'KEY_REVOKED' | 'KILL_SWITCH_CUT' | 'LOCKDOWN' | DpopFailureCode>;
  readonly message: string;
}

export type VerifyFailure = TokenRevokedFailure | KeyRevokedFailure | KillSwitchFailure | DpopFailure | OtherVerifyFailure;

/** What {@link Sidecar.verify} returns: never throws for a bad token. Narrow on `ok`, then on `code`. */
export type VerifyResult = VerifySuccess | VerifyFailure;

/** Builds a failure result (every code but `TOKEN_REVOKED`, `KEY_REVOKED` and the kill switch's, which carry more). */
export function verifyFailure(code: OtherVerifyFailure['code'], message: string): OtherVerifyFailure {
  return { ok: false, code, message };
}

/** Builds the `KEY_REVOKED` failure for `kid`. */
export function keyRevokedFailure(kid: string): KeyRevokedFailure {
  return { ok: false, code: 'KEY_REVOKED', message: `token was signed by key ${kid}, which is revoked`, kid };
}
