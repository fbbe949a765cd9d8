/** Error codes of the token endpoint (RFC 6749 §5.2, plus RFC 8707's `invalid_target`). */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target'
  /** Not in RFC 6749's token-endpoint list, but the conventional answer to an internal failure. */
  | 'server_error'
  /** Likewise borrowed from the authorization endpoint's list (§4.1.2.1): 503, retry after `Retry-After`. */
  | 'temporarily_unavailable'
  /** RFC 9449 §5: the DPoP proof is missing (for a client that must use DPoP) or invalid. */
  | 'invalid_dpop_proof'
  /** RFC 9449 §8: retry with the nonce of the `DPoP-Nonce` header. */
  | 'use_dpop_nonce';

/** The `WWW-Authenticate` challenge sent with every `invalid_client`. */
export const CLIENT_CHALLENGE = 'Basic realm="revmesh", charset="UTF-8"';

/**
 * A token-endpoint error, rendered as `{ error, error_description }` (RFC 6749 §5.2) rather
 * than as problem+json, because OAuth clients parse that format.
 */
export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /**
   * @param status overrides the default (e.g. 413 for an oversized body).
   * @param headers sent with the error (e.g. `Retry-After`), besides the client challenge.
   */
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    status?: number,
    headers: Readonly<Record<string, string>> = {},
  ) {
    super(description);
    // invalid_client is 401 with a challenge whatever the auth method tried (§5.2 allows it for
    // client_secret_post and requires it for Basic); other client errors are 400.
    this.status = status ?? (error === 'invalid_client' ? 401 : error === 'server_error' ? 500 : error === 'temporarily_unavailable' ? 503 : 400);
    this.headers = error === 'invalid_client' ? { 'WWW-Authenticate': CLIENT_CHALLENGE, ...headers } : headers;
  }

  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}
