import type { RequestOrigin } from '@revmesh/authority-core';
import { OAuthError } from './oauth-error';

/**
 * One request to an OAuth endpoint (`/oauth/token`, `/oauth/revoke`, `/oauth/introspect`), as
 * the endpoint steps (client authentication, grant handlers, proof checks) read it.
 */
export interface OAuthRequest {
  readonly contentType: string | undefined;
  readonly authorization: string | undefined;
  readonly body: unknown;
  /** Where the request comes from: failed client authentication is throttled per address and audited. */
  readonly origin: RequestOrigin;
  /** The HTTP method, upper case (`POST`). */
  readonly method: string;
  /** The request's URL as received (path and query), e.g. for a proof's `htu`. */
  readonly url: string;
  /** Every request header, names in lower case. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

const FORM = 'application/x-www-form-urlencoded';

/**
 * The request's form as single values. RFC 6749 §3.1: a parameter sent without a value is
 * treated as omitted, and none may be repeated.
 *
 * @throws {OAuthError} `invalid_request` for another media type, a repeated parameter or a NUL character.
 */
export function readForm(request: Pick<OAuthRequest, 'contentType' | 'body'>): Record<string, string> {
  const mediaType = request.contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== FORM) {
    throw new OAuthError('invalid_request', `send the request as ${FORM}`);
  }
  const body = request.body;
  if (typeof body !== 'object' || body === null) return {};
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    if (Array.isArray(value)) throw new OAuthError('invalid_request', `parameter ${name} is repeated`);
    // Never a legitimate character of an OAuth parameter, and one a PostgreSQL store refuses.
    if (name.includes('\u0000') || (typeof value === 'string' && value.includes('\u0000'))) throw new OAuthError('invalid_request', `parameter ${name.split('\u0000').join('\\0')} holds a NUL character`);
    if (typeof value === 'string' && value.length > 0) params[name] = value;
  }
  return params;
}
