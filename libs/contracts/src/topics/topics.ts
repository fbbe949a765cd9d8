import type { RevocationTarget } from '../events/revocation-issued';

/** Default prefix of every revmesh topic. Tests and shared clusters set their own. */
export const DEFAULT_TOPIC_PREFIX = 'revmesh.';

export interface TopicNames {
  /** Revocation decisions, keyed by target so compaction keeps the latest rule per target. */
  readonly revocations: string;
  /** Token-signing keys, event-signer changes and kill switches, keyed by `kid` / `event-signer:<kid>` / `kill-switch:<scope>`; compacted. */
  readonly keys: string;
  /** Sidecar heartbeats and acknowledgements, keyed by instance id; time-limited. */
  readonly acks: string;
  /** Anomaly alerts for a SIEM (signed `alert.raised`); time-limited. */
  readonly alerts: string;
  /** The audit log for a SIEM (signed `audit.recorded`, in `seq` order); time-limited. */
  readonly audit: string;
  /** Signed snapshots of the live deny state (chunks + one signed manifest), for fast cold starts; compacted. */
  readonly snapshots: string;
}

/** Topic names for a prefix. The `.v1` suffix changes only with an incompatible wire change. */
export function topicNames(prefix: string = DEFAULT_TOPIC_PREFIX): TopicNames {
  if (!/^[A-Za-z0-9._-]*$/.test(prefix)) {
    throw new TypeError(`topic prefix ${JSON.stringify(prefix)} may only contain letters, digits, '.', '_' and '-'`);
  }
  return {
    revocations: `${prefix}revocations.v1`,
    keys: `${prefix}keys.v1`,
    acks: `${prefix}acks.v1`,
    alerts: `${prefix}alerts.v1`,
    audit: `${prefix}audit.v1`,
    snapshots: `${prefix}snapshots.v1`,
  };
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

/**
 * Partition key of a revocation: one key per target (and issuer), so later rules for a target
 * supersede earlier ones under compaction. A revocation of the authority's own issuer (`iss`
 * absent) keeps the `type:value` key; one naming an issuer is `<iss length>:<iss>|type:value`,
 * which starts with a digit (a target type never does) and says where `iss` ends, so rules of
 * different issuers never share a key and never compact each other away.
 */
export function revocationKey(target: RevocationTarget, iss?: string): string {
  return iss === undefined ? `${target.type}:${target.value}` : `${iss.length}:${iss}|${target.type}:${target.value}`;
}

/**
 * The keys topic has ONE partition: `key_set_version` orders every key event, and a reader must
 * see them in that order. It is compacted only (no time limit): the latest state of every key
 * and signer must survive as long as the mesh runs.
 */
export function keysTopicSpec(topic: string): TopicSpec {
  return {
    topic,
    numPartitions: 1,
    configEntries: { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': '0', 'message.timestamp.type': 'CreateTime' },
  };
}

/** Acks and heartbeats matter for minutes, not days. Default retention 1 hour. */
export function acksTopicSpec(topic: string, options: { readonly partitions?: number; readonly retentionMs?: number } = {}): TopicSpec {
  return {
    topic,
    numPartitions: options.partitions ?? 3,
    configEntries: { 'cleanup.policy': 'delete', 'retention.ms': String(options.retentionMs ?? 3600_000) },
  };
}

/** Partition key of a key event. */
export function keyEventKey(kid: string): string {
  return kid;
}

/** Partition key of an `event-signer.announced` event. */
export function eventSignerKey(kid: string): string {
  return `event-signer:${kid}`;
}

/**
 * Partition key of an `event-signer.withdrawn` event. Deliberately NOT the announcement's key:
 * under compaction a withdrawal keyed like the announcement would replace it, and a sidecar
 * anchored at an older signer could no longer follow the chain (A announces B, B announces C,
 * C withdraws B: B's announcement must survive).
 */
export function eventSignerWithdrawalKey(kid: string): string {
  return `event-signer-withdrawn:${kid}`;
}

/**
 * Partition key of a `kill-switch.changed` event: one per scope, so compaction keeps each
 * scope's latest state (`kill-switch:global`, `kill-switch:aud:<audience>`).
 */
export function killSwitchKey(scope: { readonly kind: 'global' } | { readonly kind: 'audience'; readonly audience: string }): string {
  return scope.kind === 'global' ? 'kill-switch:global' : `kill-switch:aud:${scope.audience}`;
}

/** Alerts are kept a week for a SIEM to catch up. */
export function alertsTopicSpec(topic: string): TopicSpec {
  return { topic, numPartitions: 1, configEntries: { 'cleanup.policy': 'delete', 'retention.ms': String(7 * 24 * 3600_000) } };
}

/**
 * The audit topic has ONE partition, so a SIEM reads entries in `seq` order and can check the
 * chain as it goes. Kept 30 days: the SIEM keeps the long-term copy, the authority the rest.
 */
export function auditTopicSpec(topic: string, options: { readonly retentionMs?: number } = {}): TopicSpec {
  return {
    topic,
    numPartitions: 1,
    configEntries: { 'cleanup.policy': 'delete', 'retention.ms': String(options.retentionMs ?? 30 * 24 * 3600_000) },
  };
}

/**
 * The snapshot topic has ONE partition (a reader meets a manifest after the chunks it names) and
 * is compacted only: the latest manifest and the latest chunk of each index survive under their
 * keys, so superseded snapshots clean themselves up. Records are up to 1 MiB.
 */
export function snapshotTopicSpec(topic: string): TopicSpec {
  return {
    topic,
    numPartitions: 1,
    configEntries: {
      'cleanup.policy': 'compact',
      'min.compaction.lag.ms': '0',
      'delete.retention.ms': '60000',
      'max.message.bytes': String(1024 * 1024 + 1024),
      'message.timestamp.type': 'CreateTime',
    },
  };
}

/** Partition key of an `audit.recorded` event. */
export function auditRecordKey(seq: number): string {
  return `audit:${seq}`;
}

/** Record key of the authority's heartbeat on the keys topic (compaction keeps the latest). */
export const AUTHORITY_HEARTBEAT_KEY = 'authority-heartbeat';
