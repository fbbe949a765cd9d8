import { Module } from '@nestjs/common';
import { DpopProofStep, dpopTokenBindingProvider } from './dpop/dpop-proof.step';
import { GRANT_HANDLER_CLASSES, grantHandlersProvider } from './grants/grants';
import { OAuthClientAuthenticator } from './oauth-client-authenticator';
import { OAuthController } from './oauth.controller';
import { OAuthService } from './oauth.service';
import { TokenEndpointsService } from './token-endpoints.service';

@Module({
  controllers: [OAuthController],
  providers: [OAuthService, OAuthClientAuthenticator, TokenEndpointsService, ...GRANT_HANDLER_CLASSES, grantHandlersProvider, dpopTokenBindingProvider, DpopProofStep],
  exports: [OAuthService, OAuthClientAuthenticator, DpopProofStep],
})
export class OAuthModule {}
