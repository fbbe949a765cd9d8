import { Inject, Injectable } from '@nestjs/common';
import type { AuthorityCore } from '@revmesh/authority-core';
import { AUTHORITY_CORE } from '../../core/core.tokens';
import { DpopProofStep } from '../dpop/dpop-proof.step';
import { OAuthError } from '../oauth-error';
import type { TokenResponse } from '../token-response';
import type { GrantContext, GrantHandler } from './grant-handler';
import { sessionGrantError, sessionTokenResponse } from './session-grant-response';

/**
 * RFC 6749 §6 refresh, with rotation: the presented refresh token is spent and a new one comes
 * back with the access token; replaying a spent one after the grace window revokes the session.
 */
@Injectable()
export class RefreshTokenGrant implements GrantHandler {
  readonly grantType = 'refresh_token';

  constructor(
    @Inject(AUTHORITY_CORE) private readonly core: Pick<AuthorityCore, 'sessions'>,
    private readonly dpop: DpopProofStep,
  ) {}

  async handle({ client, form, request }: GrantContext): Promise<TokenResponse> {
    const refreshToken = form['refresh_token'];
    if (refreshToken === undefined) throw new OAuthError('invalid_request', 'refresh_token is required');
    const dpop = await this.dpop.bind(request, client);
    try {
      const tokens = await this.core.sessions.refresh({
        client,
        ...(dpop === undefined ? {} : { dpop }),
        refreshToken,
        ...(form['scope'] === undefined ? {} : { scope: form['scope'] }),
        origin: request.origin,
      });
      return sessionTokenResponse(tokens);
    } catch (error) {
      throw sessionGrantError(error);
    }
  }
}
