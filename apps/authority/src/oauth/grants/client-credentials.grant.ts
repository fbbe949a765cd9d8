import { Inject, Injectable } from '@nestjs/common';
import { AudienceNotAllowedError, ScopeNotAllowedError, type TokenIssuer } from '@revmesh/authority-core';
import { TOKEN_ISSUER } from '../../core/core.tokens';
import { DpopProofStep } from '../dpop/dpop-proof.step';
import { OAuthError } from '../oauth-error';
import type { TokenResponse } from '../token-response';
import type { GrantContext, GrantHandler } from './grant-handler';

/** RFC 6749 §4.4: a token for the client itself (`sub` = `client_id`), one of its audiences and scopes. */
@Injectable()
export class ClientCredentialsGrant implements GrantHandler {
  readonly grantType = 'client_credentials';

  constructor(
    @Inject(TOKEN_ISSUER) private readonly tokens: TokenIssuer,
    private readonly dpop: DpopProofStep,
  ) {}

  async handle({ client, form, request }: GrantContext): Promise<TokenResponse> {
    const binding = await this.dpop.bind(request, client);
    try {
      const issued = await this.tokens.issueClientCredentials(client, {
        ...(binding === undefined ? {} : { jkt: binding.jkt }),
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
      throw toGrantError(error);
    }
  }
}

/** The RFC 6749 error of a core refusal shared by the grants (scope, audience); anything else as is. */
export function toGrantError(error: unknown): unknown {
  if (error instanceof ScopeNotAllowedError) {
    return new OAuthError('invalid_scope', `scope not allowed for this client: ${error.scopes.join(' ')}`);
  }
  if (error instanceof AudienceNotAllowedError) {
    return new OAuthError('invalid_target', `audience ${JSON.stringify(error.audience)} is not allowed for this client`);
  }
  return error;
}
