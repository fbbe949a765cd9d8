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
/** Counter: events skipped as malformed, unknown or invalid, by reason. */
export const METRIC_EVENTS_REJECTED = 'revmesh.sidecar.events.rejected';
/** Observable gauge: entries held by the deny list. */
export const METRIC_DENY_LIST_SIZE = 'revmesh.sidecar.deny_list.size';
/** Counter: live deny rules dropped because the deny list was full (each one is a security failure; alert on any). */
export const METRIC_DENY_LIST_EVICTIONS = 'revmesh.sidecar.deny_list.evictions';

/** `ok` or a `VerifyFailureCode`. */
export const ATTR_RESULT = 'result';
/** An `EventRejectionReason` from contracts, or `HANDLER_ERROR`. */
export const ATTR_REASON = 'reason';
/** `jti`, `sub`, `client_id` or `sid`. */
export const ATTR_TARGET_TYPE = 'target_type';
/** True for events applied while catching up at start (their latency measures the sidecar's start, not propagation). */
export const ATTR_REPLAY = 'replay';
