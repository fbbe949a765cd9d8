import { Inject, Injectable } from '@nestjs/common';
import {
  ClientAuthenticationError,
  ClientAuthenticationThrottledError,
  type AuthorityCore,
  type Client,
} from '@revmesh/authority-core';
import { AUTHORITY_CORE } from '../core/core.tokens';
import { presentedCredentials } from './client-credentials';
import { OAuthError } from './oauth-error';
import type { OAuthRequest } from './oauth-request';

/**
 * Client authentication methods the OAuth endpoints accept, as RFC 8414's
 * `token_endpoint_auth_methods_supported` (and the revocation and introspection variants) lists
 * them. A new method is added here and in {@link OAuthClientAuthenticator.authenticate}.
 */
export const CLIENT_AUTH_METHODS: readonly string[] = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];

/**
 * The client-authentication step shared by `/oauth/token`, `/oauth/revoke` and
 * `/oauth/introspect`: finds the presented credentials, checks them (throttled and audited in the
 * core) and maps every failure to its RFC 6749 error. Runs before anything else looks at the
 * request, so an unauthenticated caller learns nothing beyond "authenticate first".
 */
@Injectable()
export class OAuthClientAuthenticator {
  constructor(@Inject(AUTHORITY_CORE) private readonly core: Pick<AuthorityCore, 'clientAuthentication'>) {}

  /** @throws {OAuthError} `invalid_client` (401), `invalid_request`, or `temporarily_unavailable` (429) while locked out. */
  async authenticate(request: OAuthRequest, form: Readonly<Record<string, string>>): Promise<Client> {
    const credentials = presentedCredentials(request.authorization, form);
    try {
      return await this.core.clientAuthentication.verify(credentials, request.origin);
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
  }
}
