/** A successful token response (RFC 6749 §5.1, with RFC 8693 §2.2.1's `issued_token_type`). */
export interface TokenResponse {
  readonly access_token: string;
  readonly token_type: 'Bearer' | 'DPoP';
  readonly expires_in: number;
  readonly scope?: string;
  readonly refresh_token?: string;
  /** Token exchange only: always `urn:ietf:params:oauth:token-type:access_token`. */
  readonly issued_token_type?: string;
}
