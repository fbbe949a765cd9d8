/** RFC 6750 §2.1 / RFC 9449 §7.1: `Bearer` or `DPoP` (any case), one or more spaces, then a b64token. */
const CREDENTIALS = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*) *$/i;
const SCHEME = /^(Bearer|DPoP)(?: |$)/i;

export type BearerExtraction =
  | { readonly kind: 'token'; readonly token: string; readonly scheme: 'Bearer' | 'DPoP' }
  /** No Authorization header, or another scheme (e.g. Basic): the request carries no access token. */
  | { readonly kind: 'missing' }
  /** `Bearer` or `DPoP` scheme with an empty or syntactically invalid credential. */
  | { readonly kind: 'malformed' };

/**
 * Reads the access token of an `Authorization` header value, presented with the `Bearer` or the
 * `DPoP` scheme. Node gives a string; arrays (from hand-built request objects) are refused as
 * malformed, since two credentials are ambiguous.
 */
export function extractBearerToken(header: string | readonly string[] | undefined): BearerExtraction {
  if (header === undefined || header === '') return { kind: 'missing' };
  if (typeof header !== 'string') return { kind: 'malformed' };
  if (!SCHEME.test(header)) return { kind: 'missing' };
  const match = CREDENTIALS.exec(header);
  if (!match?.[2]) return { kind: 'malformed' };
  return { kind: 'token', token: match[2], scheme: match[1]!.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer' };
}
