import { CLIENT_ASSERTION_TYPE, type PresentedClientCredentials } from '@revmesh/authority-core';
import { OAuthError } from './oauth-error';

/** Client credentials presented at an OAuth endpoint, and how (authority-core's type). */
export type PresentedCredentials = PresentedClientCredentials;

/** `application/x-www-form-urlencoded` decoding, which RFC 6749 §2.3.1 applies inside Basic. */
function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

/**
 * Finds the client's credentials in the `Authorization: Basic` header (client_secret_basic), in
 * the form (client_secret_post), or as a signed assertion in the form (`client_assertion` with
 * `client_assertion_type` jwt-bearer: private_key_jwt, RFC 7523 §2.2). Using two methods at once
 * is refused (RFC 6749 §2.3).
 *
 * @throws {OAuthError} `invalid_request` for two methods at once or half an assertion,
 *   `invalid_client` for none, an unreadable Basic header or an unknown assertion type.
 */
export function presentedCredentials(
  authorization: string | undefined,
  form: Readonly<Record<string, string>>,
): PresentedCredentials {
  const basic = authorization === undefined ? null : /^Basic +([A-Za-z0-9+/=._~-]*) *$/i.exec(authorization);
  const postSecret = form['client_secret'];
  const postId = form['client_id'];
  const assertion = form['client_assertion'];
  const assertionType = form['client_assertion_type'];
  if (assertion !== undefined || assertionType !== undefined) {
    if (basic !== null || postSecret !== undefined) {
      throw new OAuthError('invalid_request', 'use one client authentication method, not a client assertion and a secret both');
    }
    if (assertion === undefined || assertionType === undefined) {
      throw new OAuthError('invalid_request', 'client_assertion and client_assertion_type go together');
    }
    if (assertionType !== CLIENT_ASSERTION_TYPE) throw new OAuthError('invalid_client', `client_assertion_type must be ${CLIENT_ASSERTION_TYPE}`);
    return { method: 'private_key_jwt', assertion, ...(postId === undefined ? {} : { clientId: postId }) };
  }
  if (basic !== null) {
    if (postSecret !== undefined) {
      throw new OAuthError('invalid_request', 'use one client authentication method, not Basic and client_secret both');
    }
    const decoded = Buffer.from(basic[1] ?? '', 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    let clientId: string;
    let clientSecret: string;
    try {
      if (colon < 1) throw new URIError('no colon');
      clientId = formDecode(decoded.slice(0, colon));
      clientSecret = formDecode(decoded.slice(colon + 1));
    } catch {
      throw new OAuthError('invalid_client', 'the Basic credentials are not client_id:client_secret');
    }
    if (postId !== undefined && postId !== clientId) {
      throw new OAuthError('invalid_request', 'client_id in the body differs from the authenticated client');
    }
    return { method: 'client_secret_basic', clientId, clientSecret };
  }
  if (postId !== undefined && postSecret !== undefined) {
    return { method: 'client_secret_post', clientId: postId, clientSecret: postSecret };
  }
  throw new OAuthError('invalid_client', 'client authentication is required (client_secret_basic, client_secret_post or private_key_jwt)');
}
