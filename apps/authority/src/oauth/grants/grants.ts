import type { FactoryProvider, Type } from '@nestjs/common';
import { ClientCredentialsGrant } from './client-credentials.grant';
import { GRANT_HANDLERS, type GrantHandler } from './grant-handler';
import { RefreshTokenGrant } from './refresh-token.grant';
import { TokenExchangeGrant } from './token-exchange.grant';

/** Every grant the token endpoint supports, in the order the metadata lists them. */
export const GRANT_HANDLER_CLASSES: readonly Type<GrantHandler>[] = [ClientCredentialsGrant, TokenExchangeGrant, RefreshTokenGrant];

/** The {@link GRANT_HANDLERS} provider: one instance of each class above. */
export const grantHandlersProvider: FactoryProvider<readonly GrantHandler[]> = {
  provide: GRANT_HANDLERS,
  inject: [...GRANT_HANDLER_CLASSES],
  useFactory: (...handlers: GrantHandler[]) => handlers,
};
