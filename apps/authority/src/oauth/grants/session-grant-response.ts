import { DpopProofError, SessionGrantRefusedError, type SessionTokens } from '@revmesh/authority-core';
import { dpopOAuthError } from '../dpop/dpop-proof.step';
import { OAuthError } from '../oauth-error';
import type { TokenResponse } from '../token-response';

/** The token response of a session grant (exchange, refresh): access and refresh token. */
export function sessionTokenResponse(tokens: SessionTokens): TokenResponse {
  return {
    access_token: tokens.accessToken,
    token_type: tokens.tokenType,
    expires_in: tokens.expiresIn,
    ...(tokens.scope.length > 0 ? { scope: tokens.scope } : {}),
    refresh_token: tokens.refreshToken,
  };
}

/** The RFC 6749 error of a refused session grant; anything else as it is. */
export function sessionGrantError(error: unknown): unknown {
  if (error instanceof DpopProofError) return dpopOAuthError(error);
  return error instanceof SessionGrantRefusedError ? new OAuthError(error.oauthError, error.message) : error;
}
