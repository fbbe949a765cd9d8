/** RFC 6750 §2.1: `Bearer` (any case), one or more spaces, then a b64token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const SCHEME = /^Bearer(?: |$)/i;

export type BearerExtraction =
  | { readonly kind: 'token'; readonly token: string }
  /** No Authorization header, or another scheme (e.g. Basic): the request carries no bearer credentials. */
  | { readonly kind: 'missing' }
  /** `Bearer` scheme with an empty or syntactically invalid credential. */
  | { readonly kind: 'malformed' };

/**
 * Reads the bearer token of an `Authorization` header value. Node gives a string; arrays (from
 * hand-built request objects) are refused as malformed, since two credentials are ambiguous.
 */
export function extractBearerToken(header: string | readonly string[] | undefined): BearerExtraction {
  if (header === undefined || header === '') return { kind: 'missing' };
  if (typeof header !== 'string') return { kind: 'malformed' };
  if (!SCHEME.test(header)) return { kind: 'missing' };
  const match = BEARER.exec(header);
  return match?.[1] ? { kind: 'token', token: match[1] } : { kind: 'malformed' };
}
