/**
 * Every span, attribute and metric name the authority emits, in one place. Metric names follow
 * deploy/observability/metrics.md exactly (alert rules and dashboards depend on them); span and
 * attribute names follow OpenTelemetry semantic conventions where one exists (messaging.*).
 */
export const AUTHORITY_METER = '@revmesh/authority';
export const AUTHORITY_TRACER = '@revmesh/authority';

export const SPAN = {
  /** A revocation accepted: signed and written to the outbox with its row (child of the HTTP span). */
  revocationAccept: 'revocation.accept',
  /** Key / signer events written to the outbox. */
  keyEventsWrite: 'outbox.write',
  /** Suffix of the relay's producer span: `<topic> publish`. */
  publishSuffix: 'publish',
  /** A Security Event Token received from an SSF transmitter (push or poll): verified, then applied (parent of its revocations). */
  ssfSetReceive: 'ssf.set.receive',
} as const;

export const ATTR = {
  messagingSystem: 'messaging.system',
  messagingDestination: 'messaging.destination.name',
  messagingMessageId: 'messaging.message.id',
  messagingOperationType: 'messaging.operation.type',
  messagingOperationName: 'messaging.operation.name',
  messagingKafkaMessageKey: 'messaging.kafka.message.key',
  revocationId: 'revmesh.revocation.id',
  targetType: 'revmesh.revocation.target_type',
  eventId: 'revmesh.event.id',
  eventCount: 'revmesh.event.count',
  keySetVersion: 'revmesh.key_set.version',
  /** The SSF transmitter a received SET came from (its registered id). */
  ssfTransmitter: 'revmesh.ssf.transmitter',
  /** `push` or `poll`. */
  ssfDelivery: 'revmesh.ssf.delivery',
  /** The received SET's `jti`. */
  ssfJti: 'revmesh.ssf.jti',
} as const;

export const METRIC = {
  revocations: 'revmesh.authority.revocations',
  outboxBacklog: 'revmesh.authority.outbox.backlog',
  outboxOldestAge: 'revmesh.authority.outbox.oldest_age',
  outboxPublished: 'revmesh.authority.outbox.published',
  outboxPublishFailures: 'revmesh.authority.outbox.publish_failures',
  coverageDuration: 'revmesh.authority.coverage.duration',
  coverageIncomplete: 'revmesh.authority.coverage.incomplete',
  coverageOldestPendingAge: 'revmesh.authority.coverage.oldest_pending_age',
  coverageLatest: 'revmesh.authority.coverage.latest',
  sidecarsLive: 'revmesh.authority.sidecars.live',
  reportsReceived: 'revmesh.authority.reports.received',
  keySetVersion: 'revmesh.authority.key_set.version',
  tokensIssued: 'revmesh.authority.tokens.issued',
  anomalies: 'revmesh.authority.anomalies',
  /** 1 while the store can write (disk space, last write), 0 while writes answer 503 STORE_UNAVAILABLE. */
  storeWritable: 'revmesh.authority.store.writable',
  /** A topic sidecars read from was found deleted or truncated and its live state republished; `topic` (kind), `how`. */
  topicsRecovered: 'revmesh.authority.topics.recovered',
  /** `kind`: `client` (OAuth client authentication at /oauth/token) or `operator` (operator login). */
  loginsFailed: 'revmesh.authority.logins.failed',
  /**
   * SETs received from SSF transmitters; `transmitter`, `outcome` (`applied`, `ignored`, `verification`,
   * `stream-updated`, `not-applied`, `duplicate`, `refused`, `failed`), `code` (RFC 8935 error code of a refusal).
   */
  ssfSets: 'revmesh.authority.ssf.sets',
  /** A spent refresh token presented after the grace window (its session revoked); `client_id` of the session. */
  refreshReuseDetections: 'revmesh.authority.refresh_tokens.reuse_detections',
  /** 1 while this replica holds the leader lease (runs the relay and the other singletons), else 0. */
  leader: 'revmesh.authority.leader',
  /** Epoch of the leader lease as this replica last saw it. */
  leaseEpoch: 'revmesh.authority.lease.epoch',
  /** Lease renewals by the leader; `outcome` (`ok`, `failed`, `lost`). */
  leaseRenewals: 'revmesh.authority.lease.renewals',
  /** Times this replica became the leader; `how` (`created`, `released`, `expired`, `exclusive`). */
  leaderTakeovers: 'revmesh.authority.leader.takeovers',
  /** Times this replica stopped leading; `reason` (`expired`, `taken-over`, `stopped`). */
  leaderStepDowns: 'revmesh.authority.leader.step_downs',
} as const;

/** Same buckets as the sidecar's propagation latency (metrics.md), ms. */
export const COVERAGE_BUCKETS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000, 60000, 300000];
