import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AdminActionsModule } from './admin-actions/admin-actions.module';
import { AlertsModule } from './alerts/alerts.module';
import { AdminKeyGuard } from './auth/admin-key.guard';
import { ClientsModule } from './clients/clients.module';
import { CoreModule, type CoreModuleOptions } from './core/core.module';
import { EventSignersModule } from './event-signers/event-signers.module';
import { HealthModule } from './health/health.module';
import { InstancesModule } from './instances/instances.module';
import { KeysModule } from './keys/keys.module';
import { OAuthModule } from './oauth/oauth.module';
import { ProblemFilter } from './problems/problem.filter';
import { RevocationsModule } from './revocations/revocations.module';
import { RotationsModule } from './rotations/rotations.module';
import { WellKnownModule } from './well-known/well-known.module';

/** The authority's HTTP surface. The guard is global: routes are admin-only unless `@Public()`. */
@Module({})
export class AppModule {
  static register(options: CoreModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.register(options),
        WellKnownModule,
        HealthModule,
        OAuthModule,
        ClientsModule,
        RevocationsModule,
        KeysModule,
        RotationsModule,
        EventSignersModule,
        InstancesModule,
        AdminActionsModule,
        AlertsModule,
      ],
      providers: [
        { provide: APP_GUARD, useClass: AdminKeyGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
