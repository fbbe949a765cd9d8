import type { VerifyFailure, VerifyFailureCode } from '../../verify/verify-result';

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
  if (status === 401) headers['www-authenticate'] = challenge(failure.code, title, options.realm);
  return { status, headers, problem, body: JSON.stringify(problem) };
}
