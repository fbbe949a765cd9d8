import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { AuthorityCore, OutboxRelay, SnapshotPublisher } from '@revmesh/authority-core';
import type { AuthorityConfig } from '../config/config';
import type { AcksConsumerStatus } from '../reports/acks-consumer';
import {
  ACKS_CONSUMER,
  AUTHORITY_CONFIG,
  AUTHORITY_CORE,
  CLIENT_REGISTRY,
  OUTBOX,
  OUTBOX_RELAY,
  REVOCATION_SERVICE,
  SIGNING_KEYS,
  TOKEN_ISSUER,
  TOPIC_HEALTH,
  SNAPSHOTS,
} from './core.tokens';

/** What the app is built from: opened and started before Nest sees them. */
export interface CoreModuleOptions {
  readonly core: AuthorityCore;
  readonly relay: OutboxRelay;
  readonly config: AuthorityConfig;
  /** State of the acks-topic consumer, for /healthz. */
  readonly acks: AcksConsumerStatus;
  /** Topics missing or lost on the broker (the topic guard; none without a broker to inspect). */
  readonly topicHealth?: TopicHealth;
  /** The signed-snapshot publisher (none without a broker to inspect). */
  readonly snapshots?: SnapshotPublisher;
}

/** What the snapshot routes are given: the publisher, if this authority has one. */
export interface SnapshotHandle {
  readonly publisher: SnapshotPublisher | undefined;
}

/** What readiness asks the topic guard. */
export interface TopicHealth {
  unhealthy(): readonly string[];
}

/** Makes the already-opened core, its relay and the config injectable everywhere. */
@Global()
@Module({})
export class CoreModule {
  static register(options: CoreModuleOptions): DynamicModule {
    const { core, relay, config, acks } = options;
    const topicHealth: TopicHealth = options.topicHealth ?? { unhealthy: () => [] };
    const providers = [
      { provide: AUTHORITY_CONFIG, useValue: config },
      { provide: AUTHORITY_CORE, useValue: core },
      { provide: ACKS_CONSUMER, useValue: acks },
      { provide: CLIENT_REGISTRY, useValue: core.clients },
      { provide: TOKEN_ISSUER, useValue: core.tokens },
      { provide: REVOCATION_SERVICE, useValue: core.revocations },
      { provide: SIGNING_KEYS, useValue: core.keys },
      { provide: OUTBOX, useValue: core.outbox },
      { provide: OUTBOX_RELAY, useValue: relay },
      { provide: TOPIC_HEALTH, useValue: topicHealth },
      { provide: SNAPSHOTS, useValue: { publisher: options.snapshots } satisfies SnapshotHandle },
    ];
    return { module: CoreModule, providers, exports: providers.map((p) => p.provide) };
  }
}
