import type { TopicSpec } from '@revmesh/contracts';
import type { TopicInspector } from '@revmesh/transport';
import { logErrorFields } from '../logging/log-fields';
import { silentLogger, type AuthorityLogger } from '../logging/logger';
import { systemClock, type Clock, type Milliseconds } from '../time/clock';
import { highest, wentBackwards, type PartitionWatermarks, type TopicWatermarks } from './topic-watermarks';

/** Default interval between two looks at the broker, ms. */
export const DEFAULT_TOPIC_CHECK_MS: Milliseconds = 5000;

/** A topic the guard watches, and how to put its live state back. */
export interface GuardedTopic {
  readonly spec: TopicSpec;
  /** Re-appends every live record of this topic to the outbox (new ids, signed by the current signer); returns how many. */
  republish(): Promise<number>;
}

/**
 * What one look found, per topic: `created` for a topic never seen before (a first start),
 * `missing` for one that was there and is gone (recreated and republished in the same look).
 */
export type TopicCheckOutcome = 'intact' | 'created' | 'missing' | 'truncated' | 'unknown';

export interface TopicGuardOptions {
  readonly inspector: TopicInspector;
  readonly ensureTopics: (specs: readonly TopicSpec[]) => Promise<void>;
  readonly topics: readonly GuardedTopic[];
  readonly watermarks: TopicWatermarks;
  /** Told after a lost topic's live state was republished (metrics, alert). */
  readonly onRecovered: (topic: string, how: 'missing' | 'truncated', republished: number) => void;
  readonly intervalMs?: Milliseconds;
  readonly clock?: Clock;
  readonly logger?: AuthorityLogger;
}

/**
 * Watches the topics the authority publishes to. A topic that is gone is recreated; a topic gone
 * and back, or whose offsets went below the highest ever seen (deleted and recreated, or a broker
 * that lost its data), gets its whole live state republished, and `onRecovered` raises the alarm.
 * Sidecars read the recreated topic from its beginning, so none of them keeps missing a rule
 * published before the loss. The highest offsets are stored, so a loss while the authority was
 * down is found at its next start.
 */
export interface TopicGuard {
  /**
   * Checks now and then every interval. Idempotent. Resolves when the first look is done (or
   * failed): start the relay after it, so that the guard, not the relay, finds a topic lost while
   * the authority was down (the relay would recreate it without a word).
   */
  start(): Promise<void>;
  /** Waits for a check in progress. */
  stop(): Promise<void>;
  /** One look at every topic (the timer calls it; tests call it directly). */
  check(): Promise<readonly { readonly topic: string; readonly outcome: TopicCheckOutcome }[]>;
  /** Topics missing or lost whose state is not back on the broker yet (readiness). */
  unhealthy(): readonly string[];
}

export function createTopicGuard(options: TopicGuardOptions): TopicGuard {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const intervalMs = options.intervalMs ?? DEFAULT_TOPIC_CHECK_MS;
  if (!Number.isInteger(intervalMs) || intervalMs < 100) throw new TypeError('topic guard intervalMs must be an integer ≥ 100');
  const unhealthy = new Set<string>();
  /** Topics seen missing and recreated whose live state is still to be republished. */
  const recreated = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;

  async function recover(topic: GuardedTopic, how: 'missing' | 'truncated', now: PartitionWatermarks): Promise<void> {
    const name = topic.spec.topic;
    logger.error(`topic ${name} was ${how === 'missing' ? 'deleted' : 'recreated or truncated'} on the broker: republishing its live state`, { topic: name });
    const republished = await topic.republish();
    // The recreated topic's offsets start again: they are the new baseline.
    options.watermarks.set(name, now, clock.now());
    recreated.delete(name);
    unhealthy.delete(name);
    options.onRecovered(name, how, republished);
  }

  async function checkOnce(): Promise<{ topic: string; outcome: TopicCheckOutcome }[]> {
    const names = options.topics.map((t) => t.spec.topic);
    let states;
    try {
      states = await options.inspector.describeTopics(names);
    } catch (error) {
      // The broker is unreachable: the relay and readiness already say so.
      logger.debug('topic guard: cannot describe topics', logErrorFields(error));
      return names.map((topic) => ({ topic, outcome: 'unknown' }));
    }
    const outcomes: { topic: string; outcome: TopicCheckOutcome }[] = [];
    for (const [i, topic] of options.topics.entries()) {
      const name = topic.spec.topic;
      const state = states[i];
      const seen = options.watermarks.get(name);
      if (state === undefined || !state.exists) {
        if (seen === undefined && !recreated.has(name)) {
          // Never seen on the broker: a first start. Nothing was lost; from now on it has existed.
          try {
            await options.ensureTopics([topic.spec]);
            options.watermarks.set(name, {}, clock.now());
          } catch (error) {
            logger.warn(`topic guard: cannot create ${name} yet`, logErrorFields(error));
          }
          outcomes.push({ topic: name, outcome: 'created' });
          continue;
        }
        unhealthy.add(name);
        recreated.add(name);
        try {
          await options.ensureTopics([topic.spec]);
        } catch (error) {
          logger.warn(`topic guard: cannot recreate ${name} yet`, logErrorFields(error));
          outcomes.push({ topic: name, outcome: 'missing' });
          continue;
        }
        // Republished at once: a sidecar starting on the recreated topic must find the live state.
        await recover(topic, 'missing', {});
        outcomes.push({ topic: name, outcome: 'missing' });
        continue;
      }
      const now: PartitionWatermarks = Object.fromEntries(state.partitions.map((p) => [String(p.partition), p.high]));
      if (recreated.has(name)) {
        await recover(topic, 'missing', now);
        outcomes.push({ topic: name, outcome: 'missing' });
      } else if (wentBackwards(seen, now)) {
        unhealthy.add(name);
        await recover(topic, 'truncated', now);
        outcomes.push({ topic: name, outcome: 'truncated' });
      } else {
        const next = highest(seen, now);
        if (seen === undefined || JSON.stringify(next) !== JSON.stringify(seen)) options.watermarks.set(name, next, clock.now());
        outcomes.push({ topic: name, outcome: 'intact' });
      }
    }
    return outcomes;
  }

  const check = (): Promise<{ topic: string; outcome: TopicCheckOutcome }[]> => {
    // One look at a time: a slow broker must not stack republishes.
    const next = (running ?? Promise.resolve()).then(checkOnce, checkOnce);
    running = next.catch(() => undefined);
    return next;
  };

  return {
    start() {
      if (timer !== undefined) return Promise.resolve();
      const tick = (): Promise<void> =>
        check().then(
          () => undefined,
          (error: unknown) => logger.error('topic guard: check failed', logErrorFields(error)),
        );
      const first = tick();
      timer = setInterval(() => void tick(), intervalMs);
      timer.unref();
      return first;
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await running;
    },
    check,
    unhealthy: () => [...unhealthy],
  };
}
