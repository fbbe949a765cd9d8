import type { RevocationTarget } from '../events/revocation-issued';

/** Default prefix of every revmesh topic. Tests and shared clusters set their own. */
export const DEFAULT_TOPIC_PREFIX = 'revmesh.';

export interface TopicNames {
  /** Revocation decisions, keyed by target so compaction keeps the latest rule per target. */
  readonly revocations: string;
}

/** Topic names for a prefix. The `.v1` suffix changes only with an incompatible wire change. */
export function topicNames(prefix: string = DEFAULT_TOPIC_PREFIX): TopicNames {
  if (!/^[A-Za-z0-9._-]*$/.test(prefix)) {
    throw new TypeError(`topic prefix ${JSON.stringify(prefix)} may only contain letters, digits, '.', '_' and '-'`);
  }
  return { revocations: `${prefix}revocations.v1` };
}

/** How a topic is created. `configEntries` are Kafka topic configs. */
export interface TopicSpec {
  readonly topic: string;
  readonly numPartitions: number;
  readonly configEntries: Readonly<Record<string, string>>;
}

export interface RevocationTopicOptions {
  /** Partitions of the revocations topic. Default 3. Order is kept per target key. */
  readonly partitions?: number;
  /**
   * How long a revocation stays on the topic, in ms. Must be at least the longest access-token
   * lifetime, or a sidecar starting later could miss a rule that still matches a live token.
   * Default 7 days.
   */
  readonly retentionMs?: number;
}

/**
 * The revocations topic is compacted (latest rule per target survives) and also time-limited
 * (`compact,delete`): a rule older than every token it could match is useless.
 */
export function revocationTopicSpec(topic: string, options: RevocationTopicOptions = {}): TopicSpec {
  const retentionMs = options.retentionMs ?? 7 * 24 * 3600 * 1000;
  return {
    topic,
    numPartitions: options.partitions ?? 3,
    configEntries: {
      'cleanup.policy': 'compact,delete',
      'retention.ms': String(retentionMs),
      'min.compaction.lag.ms': '0',
      'segment.ms': String(Math.min(retentionMs, 24 * 3600 * 1000)),
      'message.timestamp.type': 'CreateTime',
    },
  };
}

/** Partition key of a revocation: one key per target, so later rules for a target supersede earlier ones under compaction. */
export function revocationKey(target: RevocationTarget): string {
  return `${target.type}:${target.value}`;
}
