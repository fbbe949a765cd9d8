import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { AuthorityCore, OutboxRelay } from '@revmesh/authority-core';
import type { AuthorityConfig } from '../config/config';
import {
  AUTHORITY_CONFIG,
  CLIENT_REGISTRY,
  OUTBOX,
  OUTBOX_RELAY,
  REVOCATION_SERVICE,
  SIGNING_KEYS,
  TOKEN_ISSUER,
} from './core.tokens';

/** Makes the already-opened core, its relay and the config injectable everywhere. */
@Global()
@Module({})
export class CoreModule {
  static register(options: { core: AuthorityCore; relay: OutboxRelay; config: AuthorityConfig }): DynamicModule {
    const { core, relay, config } = options;
    const providers = [
      { provide: AUTHORITY_CONFIG, useValue: config },
      { provide: CLIENT_REGISTRY, useValue: core.clients },
      { provide: TOKEN_ISSUER, useValue: core.tokens },
      { provide: REVOCATION_SERVICE, useValue: core.revocations },
      { provide: SIGNING_KEYS, useValue: core.keys },
      { provide: OUTBOX, useValue: core.outbox },
      { provide: OUTBOX_RELAY, useValue: relay },
    ];
    return { module: CoreModule, providers, exports: providers.map((p) => p.provide) };
  }
}
