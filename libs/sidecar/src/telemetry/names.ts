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
