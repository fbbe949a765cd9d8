import { Controller, Header, HttpCode, Post, Req } from '@nestjs/common';
import { requestOriginOf, type OperatorRequest } from '../auth/operator-request';
import { Public } from '../auth/public.decorator';
import { headerValue } from '../http/http-types';
import type { OAuthRequest } from './oauth-request';
import { OAuthService, type TokenResponse } from './oauth.service';

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

/** The OAuth 2.0 token endpoint. Public: clients authenticate with their own credentials. */
@Public()
@Controller('oauth')
export class OAuthController {
  constructor(private readonly oauth: OAuthService) {}

  @Post('token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  token(@Req() request: OperatorRequest): Promise<TokenResponse> {
    return this.oauth.token(oauthRequestOf(request));
  }
}
