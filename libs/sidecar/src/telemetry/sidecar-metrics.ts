import { metrics, type Attributes, type MeterProvider, type ObservableCallback } from '@opentelemetry/api';
import type { KeyState, RevocationTargetType, SidecarReport } from '@revmesh/contracts';
import type { Milliseconds } from '../internal/units';
import type { EventTopicKind, SidecarEventRejectionReason } from '../sync/event-rejection';
import {
  ATTR_KEY_STATE,
  ATTR_REASON,
  ATTR_REPLAY,
  ATTR_REPORT_TYPE,
  ATTR_RESULT,
  ATTR_SIGNER_CHANGE,
  ATTR_TARGET_TYPE,
  ATTR_TOPIC,
  METER_NAME,
  METRIC_ACKS_DROPPED,
  METRIC_CONSUMER_LAG,
  METRIC_DENY_LIST_EVICTIONS,
  METRIC_DENY_LIST_SIZE,
  METRIC_EVENTS_APPLIED,
  METRIC_EVENTS_REJECTED,
  METRIC_KEY_EVENTS_APPLIED,
  METRIC_KEY_PROPAGATION_LATENCY,
  METRIC_KEY_SET_VERSION,
  METRIC_PROPAGATION_LATENCY,
  METRIC_REPORT_PUBLISH_FAILURES,
  METRIC_REPORTS_PUBLISHED,
  METRIC_SIGNER_EVENTS_APPLIED,
  METRIC_VERIFICATIONS,
  METRIC_KEY_SET_SIZE,
  METRIC_STALENESS_AGE,
  METRIC_STALENESS_LIMIT,
  METRIC_FAIL_OPEN_ACCEPTED,
} from './names';

/** Rejection reasons pre-created at 0 for every topic (metrics.md): dashboards show zeros, not "no data". */
const PRECREATED_REJECTIONS: readonly SidecarEventRejectionReason[] = ['UNSIGNED', 'MALFORMED_JWS', 'UNKNOWN_SIGNER', 'SIGNATURE_INVALID', 'REPLAY'];
const PRECREATED_TOPICS: readonly EventTopicKind[] = ['revocations', 'keys'];
/** Key states reported by the key_set.size gauge (retired keys are removed). */
const KEY_SET_STATES = ['pending', 'active', 'retiring', 'revoked'] as const;

/** The sidecar's instruments. With no SDK registered every call is a no-op. */
export interface SidecarMetrics {
  verification(result: string): void;
  eventApplied(targetType: RevocationTargetType, latencyMs: Milliseconds | undefined, replay: boolean): void;
  eventRejected(reason: SidecarEventRejectionReason, topic: EventTopicKind): void;
  liveEviction(targetType: RevocationTargetType): void;
  keyEventApplied(state: KeyState, latencyMs: Milliseconds, replay: boolean): void;
  signerEventApplied(change: 'added' | 'removed' | 'unchanged'): void;
  reportsPublished(type: SidecarReport['type'], count: number): void;
  reportPublishFailed(): void;
  acksDropped(count: number): void;
  failOpenAccepted(): void;
  /** Unregisters the gauge callback (a closed sidecar must not be kept alive by the meter). */
  close(): void;
}

export interface SidecarMetricsOptions {
  readonly meterProvider: MeterProvider | undefined;
  readonly denyListSize: () => number;
  readonly keySetVersion: () => number;
  /** Keys held by state. */
  readonly keySetSizes?: () => Readonly<Partial<Record<string, number>>>;
  /** Seconds since the sidecar last heard from the authority. */
  readonly stalenessAgeSeconds?: () => number;
  /** The staleness bound, seconds. */
  readonly stalenessLimitSeconds?: number;
  /** Records not yet read per topic kind, from the readers' last fetch (undefined: not known yet). */
  readonly consumerLag?: () => Readonly<Partial<Record<'revocations' | 'keys', number | undefined>>>;
}

/** Propagation is expected in single-digit ms; the tail up to minutes covers a sidecar catching up after an outage. */
const LATENCY_BUCKETS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 300_000];

export function createSidecarMetrics(options: SidecarMetricsOptions): SidecarMetrics {
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(METER_NAME);
  const latency = meter.createHistogram(METRIC_PROPAGATION_LATENCY, {
    description: 'Time from a revocation event being issued by the authority to its application by this sidecar',
    unit: 'ms',
    advice: { explicitBucketBoundaries: LATENCY_BUCKETS_MS },
  });
  const verifications = meter.createCounter(METRIC_VERIFICATIONS, { description: 'Token verifications by result', unit: '{verification}' });
  const applied = meter.createCounter(METRIC_EVENTS_APPLIED, { description: 'Revocation events applied', unit: '{event}' });
  const rejected = meter.createCounter(METRIC_EVENTS_REJECTED, { description: 'Events skipped as malformed or invalid', unit: '{event}' });
  const evictions = meter.createCounter(METRIC_DENY_LIST_EVICTIONS, {
    description: 'Live deny rules dropped because the deny list was full; the sidecar fails closed meanwhile',
    unit: '{rule}',
  });
  const size = meter.createObservableGauge(METRIC_DENY_LIST_SIZE, { description: 'Deny-list entries held', unit: '{entry}' });
  const observeSize: ObservableCallback = (result) => result.observe(options.denyListSize());
  size.addCallback(observeSize);
  const keyEvents = meter.createCounter(METRIC_KEY_EVENTS_APPLIED, { description: 'Key state changes applied to the key set', unit: '{event}' });
  const keyLatency = meter.createHistogram(METRIC_KEY_PROPAGATION_LATENCY, {
    description: 'Time from a key event being issued by the authority to its application by this sidecar',
    unit: 'ms',
    advice: { explicitBucketBoundaries: LATENCY_BUCKETS_MS },
  });
  const signerEvents = meter.createCounter(METRIC_SIGNER_EVENTS_APPLIED, { description: 'Event-signer announcements and withdrawals applied', unit: '{event}' });
  const keySetVersion = meter.createObservableGauge(METRIC_KEY_SET_VERSION, { description: 'Highest key-set version held', unit: '{version}' });
  const observeVersion: ObservableCallback = (result) => result.observe(options.keySetVersion());
  keySetVersion.addCallback(observeVersion);
  const published = meter.createCounter(METRIC_REPORTS_PUBLISHED, { description: 'Heartbeats and acks published on the acks topic', unit: '{report}' });
  const publishFailures = meter.createCounter(METRIC_REPORT_PUBLISH_FAILURES, { description: 'Failed publications on the acks topic', unit: '{attempt}' });
  const dropped = meter.createCounter(METRIC_ACKS_DROPPED, { description: 'Acks dropped while the acks topic was unreachable', unit: '{ack}' });
  const failOpen = meter.createCounter(METRIC_FAIL_OPEN_ACCEPTED, {
    description: 'Tokens accepted only because the route is fail-open while the sidecar is stale',
    unit: '{verification}',
  });
  const keySetSize = meter.createObservableGauge(METRIC_KEY_SET_SIZE, { description: 'Keys held by state', unit: '{key}' });
  const observeKeySetSize: ObservableCallback = (result) => {
    const sizes = options.keySetSizes?.() ?? {};
    for (const state of KEY_SET_STATES) result.observe(sizes[state] ?? 0, { [ATTR_KEY_STATE]: state });
  };
  keySetSize.addCallback(observeKeySetSize);
  const stalenessAge = meter.createObservableGauge(METRIC_STALENESS_AGE, {
    description: 'Seconds since the sidecar last heard from the authority (event or authority heartbeat)',
    unit: 's',
  });
  const observeAge: ObservableCallback = (result) => result.observe(options.stalenessAgeSeconds?.() ?? 0);
  stalenessAge.addCallback(observeAge);
  const stalenessLimit = meter.createObservableGauge(METRIC_STALENESS_LIMIT, { description: 'The configured staleness bound', unit: 's' });
  const observeLimit: ObservableCallback = (result) => result.observe(options.stalenessLimitSeconds ?? 0);
  stalenessLimit.addCallback(observeLimit);
  const consumerLag = meter.createObservableGauge(METRIC_CONSUMER_LAG, {
    description: 'Records on the topic not yet read, summed over partitions (as of the last fetch)',
    unit: '{message}',
  });
  const observeLag: ObservableCallback = (result) => {
    const lags = options.consumerLag?.() ?? {};
    for (const topic of ['revocations', 'keys'] as const) {
      const value = lags[topic];
      if (value !== undefined) result.observe(value, { [ATTR_TOPIC]: topic });
    }
  };
  consumerLag.addCallback(observeLag);
  for (const reason of PRECREATED_REJECTIONS) for (const topic of PRECREATED_TOPICS) rejected.add(0, { [ATTR_REASON]: reason, [ATTR_TOPIC]: topic });

  // verify() is the hot path: reuse one attributes object per result instead of allocating per call.
  const resultAttributes = new Map<string, Attributes>();
  const attributesFor = (result: string): Attributes => {
    let attributes = resultAttributes.get(result);
    if (!attributes) {
      attributes = { [ATTR_RESULT]: result };
      resultAttributes.set(result, attributes);
    }
    return attributes;
  };

  return {
    verification(result) {
      verifications.add(1, attributesFor(result));
    },
    eventApplied(targetType, latencyMs, replay) {
      const attributes = { [ATTR_TARGET_TYPE]: targetType, [ATTR_REPLAY]: replay };
      applied.add(1, attributes);
      if (latencyMs !== undefined) latency.record(latencyMs, attributes);
    },
    eventRejected(reason, topic) {
      rejected.add(1, { [ATTR_REASON]: reason, [ATTR_TOPIC]: topic });
    },
    liveEviction(targetType) {
      evictions.add(1, { [ATTR_TARGET_TYPE]: targetType });
    },
    keyEventApplied(state, latencyMs, replay) {
      const attributes = { [ATTR_KEY_STATE]: state, [ATTR_REPLAY]: replay };
      keyEvents.add(1, attributes);
      keyLatency.record(latencyMs, attributes);
    },
    signerEventApplied(change) {
      signerEvents.add(1, { [ATTR_SIGNER_CHANGE]: change });
    },
    reportsPublished(type, count) {
      published.add(count, { [ATTR_REPORT_TYPE]: type });
    },
    reportPublishFailed() {
      publishFailures.add(1);
    },
    acksDropped(count) {
      dropped.add(count);
    },
    failOpenAccepted() {
      failOpen.add(1);
    },
    close() {
      keySetSize.removeCallback(observeKeySetSize);
      stalenessAge.removeCallback(observeAge);
      stalenessLimit.removeCallback(observeLimit);
      size.removeCallback(observeSize);
      keySetVersion.removeCallback(observeVersion);
      consumerLag.removeCallback(observeLag);
    },
  };
}
