import { acksTopicSpec, alertsTopicSpec, auditTopicSpec, keysTopicSpec, revocationTopicSpec, snapshotTopicSpec, type TopicNames, type TopicSpec } from '@revmesh/contracts';

/** Topics the authority publishes to (revocations, keys, alerts, audit) and reads (acks), with their creation configs. */
export interface AuthorityTopics {
  readonly revocations: TopicSpec;
  readonly keys: TopicSpec;
  readonly acks: TopicSpec;
  readonly alerts: TopicSpec;
  readonly audit: TopicSpec;
  /** Signed snapshots of the live deny state (created by the snapshot publisher before its first snapshot). */
  readonly snapshots: TopicSpec;
}

export function authorityTopics(names: TopicNames): AuthorityTopics {
  return {
    revocations: revocationTopicSpec(names.revocations),
    keys: keysTopicSpec(names.keys),
    acks: acksTopicSpec(names.acks),
    alerts: alertsTopicSpec(names.alerts),
    audit: auditTopicSpec(names.audit),
    snapshots: snapshotTopicSpec(names.snapshots),
  };
}

/** Topic name → the short kind metrics label records with (`topic_kind`). */
export function topicKinds(names: TopicNames): Readonly<Record<string, string>> {
  return {
    [names.revocations]: 'revocations',
    [names.keys]: 'keys',
    [names.acks]: 'acks',
    [names.alerts]: 'alerts',
    [names.audit]: 'audit',
    [names.snapshots]: 'snapshots',
  };
}
