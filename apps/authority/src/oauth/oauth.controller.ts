import { Controller, Header, HttpCode, Post, Req } from '@nestjs/common';
import { requestOriginOf, type OperatorRequest } from '../auth/operator-request';
import { Public } from '../auth/public.decorator';
import { headerValue } from '../http/http-types';
import type { OAuthRequest } from './oauth-request';
import { OAuthService, type TokenResponse } from './oauth.service';
import { TokenEndpointsService } from './token-endpoints.service';
import type { Introspection } from '@revmesh/authority-core';

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

  @Post('token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  token(@Req() request: OperatorRequest): Promise<TokenResponse> {
    return this.oauth.token(oauthRequestOf(request));
  }

  @Post('revoke')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async revoke(@Req() request: OperatorRequest): Promise<string> {
    await this.endpoints.revoke(oauthRequestOf(request));
    return '';
  }

  @Post('introspect')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  introspect(@Req() request: OperatorRequest): Promise<Introspection> {
    return this.endpoints.introspect(oauthRequestOf(request));
  }
}
