import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import type { AuthorityCore, OutboxRelay } from '@revmesh/authority-core';
import { AdminKeyGuard } from './auth/admin-key.guard';
import { ClientsModule } from './clients/clients.module';
import type { AuthorityConfig } from './config/config';
import { CoreModule } from './core/core.module';
import { HealthModule } from './health/health.module';
import { OAuthModule } from './oauth/oauth.module';
import { ProblemFilter } from './problems/problem.filter';
import { RevocationsModule } from './revocations/revocations.module';
import { WellKnownModule } from './well-known/well-known.module';

/** The authority's HTTP surface. The guard is global: routes are admin-only unless `@Public()`. */
@Module({})
export class AppModule {
  static register(options: { core: AuthorityCore; relay: OutboxRelay; config: AuthorityConfig }): DynamicModule {
    return {
      module: AppModule,
      imports: [CoreModule.register(options), WellKnownModule, HealthModule, OAuthModule, ClientsModule, RevocationsModule],
      providers: [
        { provide: APP_GUARD, useClass: AdminKeyGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
