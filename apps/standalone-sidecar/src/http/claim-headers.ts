import type { AccessTokenClaims } from '@revmesh/sidecar';

/** Printable ASCII without `%`: such a value is sent as is. */
const PLAIN = /^[\x20-\x24\x26-\x7e]*$/;

/**
 * A claim as a header value. Strings as they are, numbers and booleans in decimal, arrays (an
 * `aud` list) joined by spaces, objects as JSON. A value with anything but printable ASCII, or
 * with a `%`, is percent-encoded (UTF-8, `encodeURIComponent`), so a header can never carry a
 * line break and a receiver may always apply `decodeURIComponent` safely.
 */
export function claimHeaderValue(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text =
    typeof value === 'string'
      ? value
      : Array.isArray(value) && value.every((item) => typeof item === 'string')
        ? value.join(' ')
        : typeof value === 'object'
          ? JSON.stringify(value)
          : String(value);
  return PLAIN.test(text) ? text : encodeURIComponent(text);
}

/** The response headers for verified claims, per the configured claim → header mapping; absent claims set no header. */
export function claimHeaders(claims: AccessTokenClaims, mapping: readonly (readonly [claim: string, header: string])[]): [string, string][] {
  const headers: [string, string][] = [];
  for (const [claim, header] of mapping) {
    const value = claimHeaderValue(claims[claim]);
    if (value !== undefined) headers.push([header, value]);
  }
  return headers;
}
