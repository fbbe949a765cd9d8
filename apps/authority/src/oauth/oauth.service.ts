import { Inject, Injectable } from '@nestjs/common';
import {
  AudienceNotAllowedError,
  ClientAuthenticationError,
  ClientAuthenticationThrottledError,
  ScopeNotAllowedError,
  type AuthorityCore,
  type Client,
  type RequestOrigin,
  type TokenIssuer,
} from '@revmesh/authority-core';
import { AUTHORITY_CORE, TOKEN_ISSUER } from '../core/core.tokens';
import { presentedCredentials } from './client-credentials';
import { OAuthError } from './oauth-error';

/** A successful token response (RFC 6749 §5.1). */
export interface TokenResponse {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly scope?: string;
}

export interface TokenRequest {
  readonly contentType: string | undefined;
  readonly authorization: string | undefined;
  readonly body: unknown;
  /** Where the request comes from: failed client authentication is throttled per address and audited. */
  readonly origin: RequestOrigin;
}

const FORM = 'application/x-www-form-urlencoded';

/**
 * Reads the form into single values. RFC 6749 §3.1: a parameter sent without a value is
 * treated as omitted, and none may be repeated.
 */
function formParameters(body: unknown): Record<string, string> {
  if (typeof body !== 'object' || body === null) return {};
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    if (Array.isArray(value)) throw new OAuthError('invalid_request', `parameter ${name} is repeated`);
    if (typeof value === 'string' && value.length > 0) params[name] = value;
  }
  return params;
}

/** The token endpoint's logic: request checks, client authentication, issuance, error mapping. */
@Injectable()
export class OAuthService {
  constructor(
    @Inject(AUTHORITY_CORE) private readonly core: Pick<AuthorityCore, 'clientAuthentication'>,
    @Inject(TOKEN_ISSUER) private readonly tokens: TokenIssuer,
  ) {}

  /** @throws {OAuthError} for every request the endpoint refuses. */
  async token(request: TokenRequest): Promise<TokenResponse> {
    const mediaType = request.contentType?.split(';')[0]?.trim().toLowerCase();
    if (mediaType !== FORM) {
      throw new OAuthError('invalid_request', `send the request as ${FORM}`);
    }
    const form = formParameters(request.body);
    const grantType = form['grant_type'];
    if (grantType === undefined) throw new OAuthError('invalid_request', 'grant_type is required');

    // Authenticate before saying anything about the grant, so an unauthenticated caller learns
    // nothing beyond "authenticate first".
    const credentials = presentedCredentials(request.authorization, form);
    let client: Client;
    try {
      client = this.core.clientAuthentication.authenticate(credentials.clientId, credentials.clientSecret, request.origin);
    } catch (error) {
      if (error instanceof ClientAuthenticationError) {
        throw new OAuthError('invalid_client', 'client authentication failed');
      }
      if (error instanceof ClientAuthenticationThrottledError) {
        // RFC 6749 has no "locked out" code; temporarily_unavailable (§4.1.2.1) is the registered
        // one that tells a client to retry later, where invalid_client would send it hunting for
        // a wrong secret. Same answer whether or not the client exists.
        throw new OAuthError('temporarily_unavailable', error.message, 429, {
          'Retry-After': String(error.retryAfterSeconds),
        });
      }
      throw error;
    }

    if (grantType !== 'client_credentials') {
      throw new OAuthError('unsupported_grant_type', 'only grant_type=client_credentials is supported');
    }
    try {
      const issued = await this.tokens.issueClientCredentials(client, {
        ...(form['scope'] === undefined ? {} : { scope: form['scope'] }),
        ...(form['audience'] === undefined ? {} : { audience: form['audience'] }),
      });
      return {
        access_token: issued.accessToken,
        token_type: issued.tokenType,
        expires_in: issued.expiresIn,
        ...(issued.scope.length > 0 ? { scope: issued.scope } : {}),
      };
    } catch (error) {
      if (error instanceof ScopeNotAllowedError) {
        throw new OAuthError('invalid_scope', `scope not allowed for this client: ${error.scopes.join(' ')}`);
      }
      if (error instanceof AudienceNotAllowedError) {
        throw new OAuthError('invalid_target', `audience ${JSON.stringify(error.audience)} is not allowed for this client`);
      }
      throw error;
    }
  }
}
