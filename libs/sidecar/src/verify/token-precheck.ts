import { verifyFailure, type OtherVerifyFailure } from './verify-result';

/** Three base64url segments; the signature may be empty (that is how `alg: none` tokens look). */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export interface PrecheckOptions {
  readonly maxTokenBytes: number;
  readonly algorithms: ReadonlySet<string>;
  /** Accepted header `typ` values, normalised with {@link normalizeTyp}. */
  readonly acceptedTyp: ReadonlySet<string>;
  /** Whether a token without a header `typ` passes. */
  readonly allowMissingTyp: boolean;
}

/** The TYPE_MISMATCH message for the accepted values (as configured, `application/` left out). */
function typMismatch(options: PrecheckOptions): OtherVerifyFailure {
  const shown = [...options.acceptedTyp].map((t) => JSON.stringify(t.replace(/^application\//, '')));
  return verifyFailure('TYPE_MISMATCH', `token header typ must be ${shown.length === 1 ? shown[0] : `one of ${shown.join(', ')}`}`);
}

/** `typ` is a media type whose `application/` prefix may be omitted (RFC 7515 §4.1.9), compared case-insensitively. */
export function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.includes('/') ? lower : `application/${lower}`;
}

/** A token that passed the prechecks, with the header `kid` (if a string) for the revoked-key check. */
export interface PrecheckPassed {
  readonly ok: true;
  readonly kid: string | undefined;
  /** The parsed protected header (what the key lookup is given; read once). */
  readonly header: Readonly<Record<string, unknown>> & { readonly alg: string };
}

/**
 * Cheap structural checks before any key lookup or crypto: a hostile or broken token is refused
 * without touching the key set (an unknown `kid` would trigger a JWKS refetch) or spending a
 * signature verification.
 */
export function precheckToken(token: unknown, options: PrecheckOptions): PrecheckPassed | OtherVerifyFailure {
  if (typeof token !== 'string' || token.length === 0) return verifyFailure('MALFORMED', 'token is empty or not a string');
  // Compact JWS is ASCII, so length is the byte size; checked before the regex so huge input costs nothing.
  if (token.length > options.maxTokenBytes) {
    return verifyFailure('MALFORMED', `token is ${token.length} bytes; the limit is ${options.maxTokenBytes}`);
  }
  if (!COMPACT_JWS.test(token)) {
    return verifyFailure('MALFORMED', 'token is not a compact JWS (three base64url parts separated by dots)');
  }
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8'));
  } catch {
    return verifyFailure('MALFORMED', 'token header is not base64url-encoded JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    return verifyFailure('MALFORMED', 'token header is not a JSON object');
  }
  const { alg, typ, kid } = header as { alg?: unknown; typ?: unknown; kid?: unknown };
  if (typeof alg !== 'string' || alg.length === 0) return verifyFailure('MALFORMED', 'token header has no "alg"');
  if (!options.algorithms.has(alg)) {
    return verifyFailure('ALG_NOT_ALLOWED', `token algorithm ${JSON.stringify(alg.slice(0, 32))} is not allowed`);
  }
  if (typ === undefined ? !options.allowMissingTyp : typeof typ !== 'string' || !options.acceptedTyp.has(normalizeTyp(typ))) {
    return typMismatch(options);
  }
  return { ok: true, kid: typeof kid === 'string' ? kid : undefined, header: header as PrecheckPassed['header'] };
}
