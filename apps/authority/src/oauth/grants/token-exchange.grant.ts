import { Inject, Injectable } from '@nestjs/common';
import { TOKEN_TYPE_ACCESS_TOKEN, type AuthorityCore } from '@revmesh/authority-core';
import { AUTHORITY_CORE } from '../../core/core.tokens';
import { DpopProofStep } from '../dpop/dpop-proof.step';
import { OAuthError } from '../oauth-error';
import type { TokenResponse } from '../token-response';
import type { GrantContext, GrantHandler } from './grant-handler';
import { sessionGrantError, sessionTokenResponse } from './session-grant-response';

/**
 * RFC 8693 token exchange: a client exchanges a user's token (of a trusted issuer, or of this
 * authority) for a session of its own, as the policy's `tokenExchange.rules` allow.
 */
@Injectable()
export class TokenExchangeGrant implements GrantHandler {
  readonly grantType = 'urn:ietf:params:oauth:grant-type:token-exchange';

  constructor(
    @Inject(AUTHORITY_CORE) private readonly core: Pick<AuthorityCore, 'sessions'>,
    private readonly dpop: DpopProofStep,
  ) {}

  async handle({ client, form, request }: GrantContext): Promise<TokenResponse> {
    const subjectToken = form['subject_token'];
    if (subjectToken === undefined) throw new OAuthError('invalid_request', 'subject_token is required');
    const subjectTokenType = form['subject_token_type'];
    if (subjectTokenType === undefined) throw new OAuthError('invalid_request', 'subject_token_type is required');
    const audience = form['audience'];
    const resource = form['resource'];
    if (audience !== undefined && resource !== undefined && audience !== resource) {
      throw new OAuthError('invalid_target', 'audience and resource name different targets; send one');
    }
    const target = audience ?? resource;
    const dpop = await this.dpop.bind(request, client);
    try {
      const tokens = await this.core.sessions.exchange({
        client,
        ...(dpop === undefined ? {} : { dpop }),
        subjectToken,
        subjectTokenType,
        ...(form['actor_token'] === undefined ? {} : { actorToken: form['actor_token'] }),
        ...(form['actor_token_type'] === undefined ? {} : { actorTokenType: form['actor_token_type'] }),
        ...(target === undefined ? {} : { audience: target }),
        ...(form['scope'] === undefined ? {} : { scope: form['scope'] }),
        ...(form['requested_token_type'] === undefined ? {} : { requestedTokenType: form['requested_token_type'] }),
        origin: request.origin,
      });
      return { ...sessionTokenResponse(tokens), issued_token_type: TOKEN_TYPE_ACCESS_TOKEN };
    } catch (error) {
      throw sessionGrantError(error);
    }
  }
}
