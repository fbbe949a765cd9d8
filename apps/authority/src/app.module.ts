import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { AdminActionsModule } from './admin-actions/admin-actions.module';
import { AlertsModule } from './alerts/alerts.module';
import { AuditModule } from './audit/audit.module';
import { ApprovalsModule } from './approvals/approvals.module';
import { SsfTransmitterModule } from './ssf-transmitter/ssf-transmitter.module';
import { OperatorGuard } from './auth/operator.guard';
import { ClientsModule } from './clients/clients.module';
import { CoreModule, type CoreModuleOptions } from './core/core.module';
import { EventSignersModule } from './event-signers/event-signers.module';
import { SnapshotsModule } from './snapshots/snapshots.module';
import { HealthModule } from './health/health.module';
import { IncidentsModule } from './incidents/incidents.module';
import { CommsModule } from './comms/comms.module';
import { InstancesModule } from './instances/instances.module';
import { IssuersModule } from './issuers/issuers.module';
import { KeysModule } from './keys/keys.module';
import { KillSwitchModule } from './kill-switch/kill-switch.module';
import { OAuthModule } from './oauth/oauth.module';
import { OpenApiModule } from './openapi/openapi.module';
import { OperatorsModule } from './operators/operators.module';
import { PolicyModule } from './policy/policy.module';
import { ProblemFilter } from './problems/problem.filter';
import { NulCharacterPipe } from './validation/nul-character.pipe';
import { RevocationsModule } from './revocations/revocations.module';
import { RotationsModule } from './rotations/rotations.module';
import { SsfReceiverModule } from './ssf-receiver/ssf-receiver.module';
import { SessionsModule } from './sessions/sessions.module';
import { WellKnownModule } from './well-known/well-known.module';

/** The authority's HTTP surface. The guard is global: routes need an operator token (and a role) unless `@Public()`. */
@Module({})
export class AppModule {
  static register(options: CoreModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.register(options),
        WellKnownModule,
        OperatorsModule,
        HealthModule,
        OAuthModule,
        ClientsModule,
        RevocationsModule,
        SessionsModule,
        IssuersModule,
        SsfReceiverModule,
        KeysModule,
        KillSwitchModule,
        RotationsModule,
        EventSignersModule,
        SnapshotsModule,
        InstancesModule,
        AdminActionsModule,
        AlertsModule,
        AuditModule,
        ApprovalsModule,
        IncidentsModule,
        CommsModule,
        PolicyModule,
        SsfTransmitterModule,
        OpenApiModule,
      ],
      providers: [
        { provide: APP_GUARD, useClass: OperatorGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
        { provide: APP_PIPE, useClass: NulCharacterPipe },
      ],
    };
  }
}
