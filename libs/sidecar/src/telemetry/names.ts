/**
 * Every metric and attribute name the sidecar emits, in one file (as OpenTelemetry's semconv.ts),
 * so dashboards and alert rules in deploy/ have one place to follow.
 */

/** Instrumentation scope (meter name). */
export const METER_NAME = '@revmesh/sidecar';

/** Histogram, ms: from the event's `issued_at` (authority clock) to its application here (sidecar clock). Attributes: target type, replay. */
export const METRIC_PROPAGATION_LATENCY = 'revmesh.sidecar.propagation.latency';
/** Counter: `verify` calls, by result (`ok` or a failure code). */
export const METRIC_VERIFICATIONS = 'revmesh.sidecar.verifications';
/** Counter: events applied to the deny list (including republished duplicates). */
export const METRIC_EVENTS_APPLIED = 'revmesh.sidecar.events.applied';
/**
 * Counter: events rejected and never applied, by reason (unsigned, bad signature, unknown signer,
 * replay, stale key event, malformed...) and topic. Any `UNSIGNED`, `SIGNATURE_INVALID` or
 * `UNKNOWN_SIGNER` means someone other than the authority writes to the topics: alert on it.
 */
export const METRIC_EVENTS_REJECTED = 'revmesh.sidecar.events.rejected';
/** Counter: `key.state-changed` events applied to the key set, by new state and replay. */
export const METRIC_KEY_EVENTS_APPLIED = 'revmesh.sidecar.key_events.applied';
/** Histogram, ms: from a key event's `issued_at` (authority clock) to its application here. Attributes: state, replay. */
export const METRIC_KEY_PROPAGATION_LATENCY = 'revmesh.sidecar.key_events.latency';
/** Counter: event-signer changes applied, by change (`added`, `removed`, `unchanged`). */
export const METRIC_SIGNER_EVENTS_APPLIED = 'revmesh.sidecar.signer_events.applied';
/** Observable gauge: the highest key-set version this sidecar holds (compare across instances to spot a laggard). */
export const METRIC_KEY_SET_VERSION = 'revmesh.sidecar.key_set.version';
/** Counter: heartbeats and acks published on the acks topic, by report type. */
export const METRIC_REPORTS_PUBLISHED = 'revmesh.sidecar.reports.published';
/** Counter: failed attempts to publish on the acks topic (the broker is down or the topic missing). */
export const METRIC_REPORT_PUBLISH_FAILURES = 'revmesh.sidecar.reports.publish_failures';
/** Counter: acks dropped because the acks topic stayed unreachable and the buffer was full. */
export const METRIC_ACKS_DROPPED = 'revmesh.sidecar.reports.acks_dropped';
/** Observable gauge: entries held by the deny list. */
export const METRIC_DENY_LIST_SIZE = 'revmesh.sidecar.deny_list.size';
/** Counter: live deny rules dropped because the deny list was full (each one is a security failure; alert on any). */
export const METRIC_DENY_LIST_EVICTIONS = 'revmesh.sidecar.deny_list.evictions';

/** Observable gauge: keys held by state (`pending`, `active`, `retiring`, `revoked`). */
export const METRIC_KEY_SET_SIZE = 'revmesh.sidecar.key_set.size';
/** Observable gauge, s: since the sidecar last heard from the authority (applied event or authority heartbeat); since start() before the first. */
export const METRIC_STALENESS_AGE = 'revmesh.sidecar.staleness.age';
/** Observable gauge, s: the configured staleness bound (`staleness.maxSilenceMs` / 1000). */
export const METRIC_STALENESS_LIMIT = 'revmesh.sidecar.staleness.limit';
/** Counter: tokens accepted only because the route is `fail-open-UNSAFE` while stale (each one also logged). */
export const METRIC_FAIL_OPEN_ACCEPTED = 'revmesh.sidecar.fail_open.accepted';
/** Observable gauge: records not yet read per topic kind, from the readers' last fetch (high watermark − next offset). */
export const METRIC_CONSUMER_LAG = 'revmesh.sidecar.consumer.lag';

/** Tracer name (instrumentation scope of the sidecar's spans). */
export const TRACER_NAME = '@revmesh/sidecar';
/** Span (CONSUMER): one applied `revocation.issued`, child of the publisher's span (W3C trace context in the record headers). */
export const SPAN_REVOCATION_APPLY = 'revocation.apply';
/** Span (CONSUMER): one applied key-topic event (`key.state-changed`, signer changes). */
export const SPAN_KEY_APPLY = 'key.apply';
/** Span (INTERNAL): a rejected verification (sampled, see `traceRejectedVerifications`). */
export const SPAN_TOKEN_VERIFY = 'token.verify';

/** Span attributes (messaging.* from OpenTelemetry semantic conventions). */
export const ATTR_MESSAGING_SYSTEM = 'messaging.system';
export const ATTR_MESSAGING_DESTINATION_NAME = 'messaging.destination.name';
export const ATTR_MESSAGING_MESSAGE_ID = 'messaging.message.id';
export const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
export const ATTR_MESSAGING_OPERATION_NAME = 'messaging.operation.name';
export const ATTR_MESSAGING_KAFKA_OFFSET = 'messaging.kafka.offset';
export const ATTR_MESSAGING_DESTINATION_PARTITION_ID = 'messaging.destination.partition.id';
export const ATTR_SPAN_INSTANCE_ID = 'revmesh.sidecar.instance_id';
export const ATTR_SPAN_PROPAGATION_LATENCY_MS = 'revmesh.propagation.latency_ms';
export const ATTR_SPAN_DENY_LIST_SIZE = 'revmesh.deny_list.size';
export const ATTR_SPAN_REVOCATION_ID = 'revmesh.revocation.id';
export const ATTR_SPAN_TARGET_TYPE = 'revmesh.revocation.target_type';
export const ATTR_SPAN_EVENT_TYPE = 'revmesh.event.type';
export const ATTR_SPAN_KID = 'revmesh.key.kid';
export const ATTR_SPAN_KEY_STATE = 'revmesh.key.state';
export const ATTR_SPAN_KEY_SET_VERSION = 'revmesh.key_set.version';
export const ATTR_SPAN_REPLAY = 'revmesh.replay';
export const ATTR_SPAN_VERIFY_RESULT = 'revmesh.verify.result';
export const ATTR_SPAN_JTI = 'revmesh.token.jti';

/** `ok` or a `VerifyFailureCode`. */
export const ATTR_RESULT = 'result';
/** A `SidecarEventRejectionReason`: an `EventRejectionReason` from contracts, or one of the sidecar's own. */
export const ATTR_REASON = 'reason';
/** Which topic an event came from: `revocations` or `keys`. */
export const ATTR_TOPIC = 'topic';
/** A key state (`pending`, `active`, `retiring`, `retired`, `revoked`). */
export const ATTR_KEY_STATE = 'state';
/** What an event-signer event changed: `added`, `removed` or `unchanged`. */
export const ATTR_SIGNER_CHANGE = 'change';
/** `sidecar.heartbeat` or `sidecar.ack`. */
export const ATTR_REPORT_TYPE = 'report_type';
/** `jti`, `sub`, `client_id` or `sid`. */
export const ATTR_TARGET_TYPE = 'target_type';
/** True for events applied while catching up at start (their latency measures the sidecar's start, not propagation). */
export const ATTR_REPLAY = 'replay';
