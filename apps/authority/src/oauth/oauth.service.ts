import { Inject, Injectable } from '@nestjs/common';
import { GRANT_HANDLERS, type GrantHandler } from './grants/grant-handler';
import { OAuthClientAuthenticator } from './oauth-client-authenticator';
import { OAuthError } from './oauth-error';
import { readForm, type OAuthRequest } from './oauth-request';
import type { TokenResponse } from './token-response';

export type { TokenResponse } from './token-response';

/**
 * The token endpoint: request checks, client authentication (its own step), then the grant
 * handler of the request's `grant_type`.
 */
@Injectable()
export class OAuthService {
  private readonly grants: ReadonlyMap<string, GrantHandler>;

  constructor(
    private readonly clients: OAuthClientAuthenticator,
    @Inject(GRANT_HANDLERS) handlers: readonly GrantHandler[],
  ) {
    this.grants = new Map(handlers.map((h) => [h.grantType, h]));
  }

  /** The grant types handled, in registration order (RFC 8414 `grant_types_supported`). */
  grantTypes(): string[] {
    return [...this.grants.keys()];
  }

  /** @throws {OAuthError} for every request the endpoint refuses. */
  async token(request: OAuthRequest): Promise<TokenResponse> {
    const form = readForm(request);
    const grantType = form['grant_type'];
    if (grantType === undefined) throw new OAuthError('invalid_request', 'grant_type is required');
    const client = await this.clients.authenticate(request, form);
    const handler = this.grants.get(grantType);
    if (handler === undefined) {
      throw new OAuthError('unsupported_grant_type', `supported grant types: ${this.grantTypes().join(', ')}`);
    }
    return handler.handle({ request, form, client });
  }
}
