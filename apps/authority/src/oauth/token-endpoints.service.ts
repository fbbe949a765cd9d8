import { Inject, Injectable } from '@nestjs/common';
import { IntrospectionNotAllowedError, type AuthorityCore, type Introspection } from '@revmesh/authority-core';
import { AUTHORITY_CORE } from '../core/core.tokens';
import { OAuthClientAuthenticator } from './oauth-client-authenticator';
import { OAuthError } from './oauth-error';
import { readForm, type OAuthRequest } from './oauth-request';

/** Longest token accepted at /oauth/revoke and /oauth/introspect (a JWT with room to spare). */
const MAX_TOKEN_LENGTH = 16_384;

/**
 * RFC 7009 token revocation and RFC 7662 introspection: both read the form, authenticate the
 * client with the token endpoint's step, and hand the token to the sessions service.
 */
@Injectable()
export class TokenEndpointsService {
  constructor(
    private readonly clients: OAuthClientAuthenticator,
    @Inject(AUTHORITY_CORE) private readonly core: Pick<AuthorityCore, 'sessions'>,
  ) {}

  private tokenOf(form: Readonly<Record<string, string>>): string {
    const token = form['token'];
    if (token === undefined) throw new OAuthError('invalid_request', 'token is required');
    if (token.length > MAX_TOKEN_LENGTH) throw new OAuthError('invalid_request', `token must be at most ${MAX_TOKEN_LENGTH} characters`);
    return token;
  }

  /**
   * Revokes the client's own token. Per RFC 7009 §2.2 the answer is the same (200, empty) for a
   * token that is unknown, already revoked, expired or another client's: nothing tells a caller
   * which it was, and nothing changes for the last ones.
   */
  async revoke(request: OAuthRequest): Promise<void> {
    const form = readForm(request);
    const client = await this.clients.authenticate(request, form);
    const token = this.tokenOf(form);
    const hint = form['token_type_hint'];
    // An unknown hint is ignored (§2.1: the server may search every type).
    await this.core.sessions.revokeToken({ client, token, ...(hint === undefined ? {} : { tokenTypeHint: hint }), origin: request.origin });
  }

  /**
   * Whether a token is active, for a client the policy lets introspect (`introspection.clients`).
   * `resource` or `audience`, when sent, must be among the token's audiences for it to be active.
   */
  async introspect(request: OAuthRequest): Promise<Introspection> {
    const form = readForm(request);
    const client = await this.clients.authenticate(request, form);
    const token = this.tokenOf(form);
    const audience = form['resource'] ?? form['audience'];
    const hint = form['token_type_hint'];
    try {
      return await this.core.sessions.introspect({
        client,
        token,
        ...(hint === undefined ? {} : { tokenTypeHint: hint }),
        ...(audience === undefined ? {} : { audience }),
      });
    } catch (error) {
      if (error instanceof IntrospectionNotAllowedError) throw new OAuthError('unauthorized_client', error.message, 403);
      throw error;
    }
  }
}
