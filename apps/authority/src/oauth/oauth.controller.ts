import { Controller, Header, HttpCode, Post, Req } from '@nestjs/common';
import { requestOriginOf, type OperatorRequest } from '../auth/operator-request';
import { Public } from '../auth/public.decorator';
import { headerValue } from '../http/http-types';
import type { OAuthRequest } from './oauth-request';
import { OAuthService, type TokenResponse } from './oauth.service';
import { TokenEndpointsService } from './token-endpoints.service';
import type { Introspection } from '@revmesh/authority-core';
import { ApiOperation } from '../openapi/api-operation.decorator';
import { tokenResponseSchema } from '../openapi/view-schemas';
import { OAUTH_ERRORS, CLIENT_AUTH, oauthForm } from '../openapi/schemas';

/** The request as the OAuth endpoints' steps read it. */
export function oauthRequestOf(request: OperatorRequest): OAuthRequest {
  return {
    contentType: headerValue(request, 'content-type'),
    authorization: headerValue(request, 'authorization'),
    body: request.body,
    origin: requestOriginOf(request),
    method: request.method.toUpperCase(),
    url: request.url,
    headers: request.headers,
  };
}

/** The OAuth 2.0 endpoints: token, revocation (RFC 7009), introspection (RFC 7662). Public: clients authenticate with their own credentials. */
@Public()
@Controller('oauth')
export class OAuthController {
  constructor(
    private readonly oauth: OAuthService,
    private readonly endpoints: TokenEndpointsService,
  ) {}

  @ApiOperation({ summary: 'OAuth 2.0 token endpoint: client credentials, token exchange (RFC 8693), refresh token', description: 'Errors in RFC 6749 format. A DPoP proof (RFC 9449) in the `DPoP` header binds the tokens to its key.', body: oauthForm(['grant_type'], { grant_type: { type: 'string' }, scope: { type: 'string' }, audience: { type: 'string' }, resource: { type: 'string' }, refresh_token: { type: 'string' }, subject_token: { type: 'string' }, subject_token_type: { type: 'string' }, actor_token: { type: 'string' }, actor_token_type: { type: 'string' }, requested_token_type: { type: 'string' } }), success: { schema: tokenResponseSchema }, errors: OAUTH_ERRORS, security: CLIENT_AUTH })
  @Post('token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  token(@Req() request: OperatorRequest): Promise<TokenResponse> {
    return this.oauth.token(oauthRequestOf(request));
  }

  @ApiOperation({ summary: 'Token revocation (RFC 7009)', description: '200 also for an unknown or already revoked token, as the RFC says.', body: oauthForm(['token'], { token: { type: 'string' }, token_type_hint: { type: 'string' } }), success: { description: 'Revoked, or nothing to revoke' }, errors: OAUTH_ERRORS, security: CLIENT_AUTH })
  @Post('revoke')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async revoke(@Req() request: OperatorRequest): Promise<string> {
    await this.endpoints.revoke(oauthRequestOf(request));
    return '';
  }

  @ApiOperation({ summary: 'Token introspection (RFC 7662)', description: 'Authenticated clients only. `active: false` for revoked, expired, wrong-audience or killed tokens, without their claims.', body: oauthForm(['token'], { token: { type: 'string' }, token_type_hint: { type: 'string' } }), success: { schema: { type: 'object', required: ['active'], properties: { active: { type: 'boolean' } } } }, errors: OAUTH_ERRORS, security: CLIENT_AUTH })
  @Post('introspect')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  introspect(@Req() request: OperatorRequest): Promise<Introspection> {
    return this.endpoints.introspect(oauthRequestOf(request));
  }
}
