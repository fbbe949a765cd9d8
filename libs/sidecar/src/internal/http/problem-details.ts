import type { DpopFailure, DpopFailureCode, VerifyFailure, VerifyFailureCode } from '../../verify/verify-result';

/** RFC 9457 problem details, plus the sidecar's stable `code`. */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: VerifyFailureCode;
}

/** How an HTTP adapter answers a rejected request. */
export interface HttpRejection {
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly problem: ProblemDetails;
  /** `problem` serialised, ready to send. */
  readonly body: string;
}

export interface RejectionOptions {
  /** Prefix of the problem `type` URI; the code is appended in kebab case. Default `urn:revmesh:problem:`. */
  readonly problemTypeBase?: string;
  /** `realm` of the `WWW-Authenticate` challenge. Default: none. */
  readonly realm?: string;
  /** DPoP proof algorithms, listed as `algs` in DPoP challenges (RFC 9449 §7.1). Default: not listed. */
  readonly dpopAlgorithms?: readonly string[];
}

const TITLES: Readonly<Record<VerifyFailureCode, string>> = {
  TOKEN_MISSING: 'Bearer token required',
  MALFORMED: 'Malformed token',
  ALG_NOT_ALLOWED: 'Token algorithm not allowed',
  TYPE_MISMATCH: 'Wrong token type',
  KEY_UNKNOWN: 'Unknown signing key',
  KEY_REVOKED: 'Signing key revoked',
  KEY_NOT_ACTIVE: 'Signing key not active',
  KEYS_UNAVAILABLE: 'Signing keys unavailable',
  SIGNATURE_INVALID: 'Invalid token signature',
  ISSUER_MISMATCH: 'Wrong token issuer',
  AUDIENCE_MISMATCH: 'Wrong token audience',
  TOKEN_EXPIRED: 'Token expired',
  TOKEN_LIFETIME_EXCEEDED: 'Token lifetime exceeds the allowed maximum',
  TOKEN_NOT_YET_VALID: 'Token not yet valid',
  CLAIM_MISSING: 'Required claim missing',
  TOKEN_REVOKED: 'Token revoked',
  DPOP_REQUIRED: 'DPoP proof required',
  DPOP_INVALID: 'Invalid DPoP proof',
  DPOP_REPLAY: 'DPoP proof replayed',
  DPOP_NONCE_REQUIRED: 'DPoP nonce required',
  KILL_SWITCH_CUT: 'Token issued before a kill switch',
  LOCKDOWN: 'Service locked down',
  DENY_LIST_OVERFLOW: 'Revocation state incomplete',
  NOT_READY: 'Authentication not ready',
  STALE_STATE: 'Revocation state stale',
  INTERNAL_ERROR: 'Authentication failed',
};

/**
 * HTTP status per code. Token problems are 401: the client should get a new token. Problems of
 * the service's own state are 503 (or 500 for a bug): the token may be fine, so a 401 would make
 * every client throw away good tokens and stampede the authority while one sidecar starts up.
 */
export function httpStatusOf(code: VerifyFailureCode): number {
  switch (code) {
    // LOCKDOWN too: the token may be fine, the service refuses everyone until the lockdown is lifted.
    case 'NOT_READY':
    case 'STALE_STATE':
    case 'LOCKDOWN':
    case 'DENY_LIST_OVERFLOW':
    case 'KEYS_UNAVAILABLE':
      return 503;
    case 'INTERNAL_ERROR':
      return 500;
    // TOKEN_LIFETIME_EXCEEDED and KEY_NOT_ACTIVE too: the token itself is unacceptable.
    default:
      return 401;
  }
}

/** A quoted-string for an auth-param: no quotes, backslashes or control characters. */
const quoted = (value: string): string => `"${value.replace(/[^\x20-\x7e]|["\\]/g, '')}"`;

/** RFC 6750 §3: no error code when credentials are missing; `invalid_token` when they were rejected. */
function challenge(code: VerifyFailureCode, title: string, realm: string | undefined): string {
  const params: string[] = [];
  if (realm !== undefined) params.push(`realm=${quoted(realm)}`);
  if (code !== 'TOKEN_MISSING') params.push('error="invalid_token"', `error_description=${quoted(title)}`);
  return params.length > 0 ? `Bearer ${params.join(', ')}` : 'Bearer';
}

/**
 * RFC 9449 §7.1 error of each DPoP code: a bound token without its proof is an `invalid_token`
 * (for the DPoP scheme), a bad or replayed proof `invalid_dpop_proof`, a missing nonce `use_dpop_nonce`.
 */
const DPOP_ERRORS: Readonly<Record<DpopFailureCode, string>> = {
  DPOP_REQUIRED: 'invalid_token',
  DPOP_INVALID: 'invalid_dpop_proof',
  DPOP_REPLAY: 'invalid_dpop_proof',
  DPOP_NONCE_REQUIRED: 'use_dpop_nonce',
};

const isDpopFailure = (failure: VerifyFailure): failure is DpopFailure => failure.code in DPOP_ERRORS;

/** `WWW-Authenticate: DPoP ...` (RFC 9449 §7.1), with the accepted proof algorithms when known. */
function dpopChallenge(failure: DpopFailure, title: string, options: RejectionOptions): string {
  const params: string[] = [];
  if (options.realm !== undefined) params.push(`realm=${quoted(options.realm)}`);
  params.push(`error="${DPOP_ERRORS[failure.code]}"`, `error_description=${quoted(title)}`);
  if (options.dpopAlgorithms !== undefined && options.dpopAlgorithms.length > 0) params.push(`algs=${quoted(options.dpopAlgorithms.join(' '))}`);
  return `DPoP ${params.join(', ')}`;
}

const kebab = (code: string): string => code.toLowerCase().replace(/_/g, '-');

/** Builds the problem+json answer for a failure (shared by every framework adapter). */
export function toHttpRejection(failure: VerifyFailure, options: RejectionOptions = {}): HttpRejection {
  const status = httpStatusOf(failure.code);
  const title = TITLES[failure.code];
  const problem: ProblemDetails = {
    type: `${options.problemTypeBase ?? 'urn:revmesh:problem:'}${kebab(failure.code)}`,
    title,
    status,
    detail: failure.message,
    code: failure.code,
  };
  const headers: Record<string, string> = {
    'content-type': 'application/problem+json',
    'cache-control': 'no-store',
  };
  if (isDpopFailure(failure)) {
    headers['www-authenticate'] = dpopChallenge(failure, title, options);
    if (failure.nonce !== undefined) headers['dpop-nonce'] = failure.nonce;
  } else if (status === 401) headers['www-authenticate'] = challenge(failure.code, title, options.realm);
  return { status, headers, problem, body: JSON.stringify(problem) };
}
