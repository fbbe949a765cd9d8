import type { Actor } from '@revmesh/contracts';
import type { TopicInspector } from '@revmesh/transport';
import type { AnomalyDetector } from '../anomalies/anomaly-detector';
import type { RevocationService } from '../revocations/revocation-service';
import type { AuthorityStore } from '../store/store';
import type { AuthorityMetrics } from '../telemetry/authority-metrics';
import type { Milliseconds } from '../time/clock';
import type { AuthorityLogger } from '../logging/logger';
import { createTopicGuard, type TopicGuard, type TopicGuardOptions } from '../topics/topic-guard';
import { createTopicWatermarks } from '../topics/topic-watermarks';
import type { AuthorityTopics } from './authority-topics';
import type { CoreSettings } from './core-settings';
import type { KeyEventsPart } from './key-events-part';

/** Options of `AuthorityCore.createTopicGuard`; the topics and what to republish come from the core. */
export interface TopicGuardWiring {
  readonly inspector: TopicInspector;
  readonly ensureTopics: TopicGuardOptions['ensureTopics'];
  readonly intervalMs?: Milliseconds;
  readonly logger?: AuthorityLogger;
  /** Told after a lost topic's live state was queued again (the app publishes a fresh snapshot then). */
  readonly afterRecovery?: (topic: string) => void;
}

/** Who republishes a lost topic's live state. */
const GUARD_ACTOR: Actor = { kind: 'system', id: 'topic-guard' };

/**
 * The guard of the two topics sidecars build their state from: the revocations topic (every live
 * revocation) and the keys topic (every key state and kill switch). The alerts and audit topics
 * are for people and SIEMs, and the acks topic is the sidecars' to write.
 */
export function topicGuardFactory(
  settings: CoreSettings,
  deps: {
    readonly store: AuthorityStore;
    readonly topics: AuthorityTopics;
    readonly keyEvents: KeyEventsPart;
    readonly revocations: RevocationService;
    readonly metrics: AuthorityMetrics;
    readonly anomalies: AnomalyDetector;
  },
): (wiring: TopicGuardWiring) => TopicGuard {
  const { clock } = settings;
  const { keyEvents, revocations } = deps;
  return (wiring) =>
    createTopicGuard({
      inspector: wiring.inspector,
      ensureTopics: wiring.ensureTopics,
      watermarks: createTopicWatermarks(deps.store),
      clock,
      logger: wiring.logger ?? settings.logger,
      ...(wiring.intervalMs === undefined ? {} : { intervalMs: wiring.intervalMs }),
      topics: [
        { spec: deps.topics.revocations, republish: () => revocations.republishLive(clock.now()) },
        {
          spec: deps.topics.keys,
          republish: async () => {
            const keys = await keyEvents.keyEvents.exclusive(() => keyEvents.lifecycle.announceAll(GUARD_ACTOR));
            return keys.length + (await keyEvents.killSwitch.republishAll(GUARD_ACTOR));
          },
        },
      ],
      onRecovered: (topic, how, republished) => {
        deps.metrics.topicRecovered(topic === deps.topics.revocations.topic ? 'revocations' : 'keys', how);
        deps.anomalies.onTopicLost(topic, how, republished);
        wiring.afterRecovery?.(topic);
      },
    });
}
