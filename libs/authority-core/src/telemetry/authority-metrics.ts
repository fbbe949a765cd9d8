import { metrics as otelMetrics, type Attributes, type MeterProvider, type ObservableResult } from '@opentelemetry/api';
import type { InstanceDirectory } from '../reports/instance-directory';
import type { AuthorityStore } from '../store/store';
import type { Clock, Milliseconds } from '../time/clock';
import { AUTHORITY_METER, COVERAGE_BUCKETS_MS, METRIC } from './names';

/**
 * The authority's metrics (deploy/observability/metrics.md, meter `@revmesh/authority`), through
 * `@opentelemetry/api` only: with no SDK registered every call is a no-op.
 */
export interface AuthorityMetrics {
  revocationAccepted(targetType: string): void;
  /** `topicKind`: `revocations`, `keys`, `alerts` (without prefix). */
  outboxPublished(topicKind: string, rows: number): void;
  outboxPublishFailed(): void;
  reportReceived(reportType: string): void;
  tokenIssued(grantType: string, tokenType: 'access' | 'refresh'): void;
  anomalyRaised(kind: string): void;
  /** `topicKind`: `revocations` or `keys`; `how`: `missing` (deleted) or `truncated` (recreated, data lost). */
  topicRecovered(topicKind: string, how: 'missing' | 'truncated'): void;
  /** `kind`: `client` (token endpoint) or, later, `operator`; `reason`: e.g. `invalid_client`. Never a name. */
  loginFailed(kind: 'client' | 'operator', reason: string): void;
  /** A refresh-token reuse detected (the session was revoked); `clientId` owns the session. */
  refreshTokenReuseDetected(clientId: string): void;
  /**
   * Looks for events whose coverage just became complete and records their duration. Never
   * throws. With `eventIds`, only those events are looked at, each by its id (the relay passes the
   * batch it just marked published: acks for it may have arrived before the mark), and nothing at
   * all while no sidecar is live; without, the tracked window is scanned (as a metrics read does).
   */
  checkCoverage(eventIds?: readonly string[]): void;
}

export interface AuthorityMetricsOptions {
  readonly store: AuthorityStore;
  readonly instances: InstanceDirectory;
  readonly clock: Clock;
  /** Topic names → kind, to label `outbox.published` and name event types. */
  readonly topics: { readonly revocations: string; readonly keys: string; readonly alerts: string };
  /** The last `key_set_version` published. */
  readonly keySetVersion: () => number;
  /** Default: the global meter provider (`@opentelemetry/api`). Tests pass a recording one. */
  readonly meterProvider?: MeterProvider;
  /** Events tracked for coverage, ms after publication. Default one hour. */
  readonly coverageWindowMs?: Milliseconds;
}

interface TrackedRow {
  event_id: string;
  topic: string;
  created_at: number;
  published_at: number;
  key_set_version: number | null;
  subject: string | null;
  state: string | null;
  expires_at: number | null;
}

interface CoverageSnapshot {
  readonly incomplete: number;
  readonly oldestPendingAgeS: number;
  readonly latest: { applied: number; covered_at_start: number; pending: number } | null;
}

export function createAuthorityMetrics(options: AuthorityMetricsOptions): AuthorityMetrics {
  const { store, instances, clock, topics } = options;
  const windowMs = options.coverageWindowMs ?? 3_600_000;
  const meter = (options.meterProvider ?? otelMetrics.getMeterProvider()).getMeter(AUTHORITY_METER);
  const db = store.db;

  const revocations = meter.createCounter(METRIC.revocations, { unit: '{revocation}', description: 'Revocations accepted (committed with their outbox row)' });
  const published = meter.createCounter(METRIC.outboxPublished, { unit: '{row}', description: 'Outbox rows marked published' });
  const publishFailures = meter.createCounter(METRIC.outboxPublishFailures, { unit: '{attempt}', description: 'Failed publish attempts of the outbox relay' });
  const reports = meter.createCounter(METRIC.reportsReceived, { unit: '{report}', description: 'Sidecar reports read from the acks topic' });
  const tokens = meter.createCounter(METRIC.tokensIssued, { unit: '{token}', description: 'Tokens issued' });
  const anomalies = meter.createCounter(METRIC.anomalies, { unit: '{alert}', description: 'Deduplicated anomaly alerts raised' });
  const topicsRecovered = meter.createCounter(METRIC.topicsRecovered, { unit: '{recovery}', description: 'Topics found deleted or truncated whose live state was republished' });
  const loginsFailed = meter.createCounter(METRIC.loginsFailed, { unit: '{attempt}', description: 'Failed authentications' });
  const refreshReuse = meter.createCounter(METRIC.refreshReuseDetections, { unit: '{detection}', description: 'Spent refresh tokens presented again (families revoked)' });
  const coverageDuration = meter.createHistogram(METRIC.coverageDuration, {
    unit: 'ms',
    description: 'Request accepted → every live sidecar applied the event',
    advice: { explicitBucketBoundaries: COVERAGE_BUCKETS_MS },
  });

  const backlog = db.prepare<[], { n: number; oldest: number | null }>(
    'SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox WHERE published_at IS NULL',
  );
  // Bounded by seq so a long outbox history is never scanned whole.
  const tracked = db.prepare<[number], TrackedRow>(
    `SELECT o.event_id, o.topic, o.created_at, o.published_at, k.key_set_version, k.subject, k.state, r.expires_at
     FROM outbox o
       LEFT JOIN key_events k ON k.event_id = o.event_id
       LEFT JOIN revocations r ON r.id = o.revocation_id
     WHERE o.published_at IS NOT NULL AND o.published_at >= ?
       AND o.seq > (SELECT COALESCE(MAX(seq), 0) FROM outbox) - 2000
     ORDER BY o.seq DESC LIMIT 500`,
  );

  // One published event by id: what the relay's check after each batch reads, instead of the window.
  const publishedEvent = db.prepare<[string], TrackedRow>(
    `SELECT o.event_id, o.topic, o.created_at, o.published_at, k.key_set_version, k.subject, k.state, r.expires_at
     FROM outbox o
       LEFT JOIN key_events k ON k.event_id = o.event_id
       LEFT JOIN revocations r ON r.id = o.revocation_id
     WHERE o.event_id = ? AND o.published_at IS NOT NULL`,
  );

  /** Events whose completion was already recorded (bounded: trimmed when large). */
  const completed = new Set<string>();

  function eventType(row: TrackedRow): string | null {
    if (row.topic === topics.revocations) return 'revocation.issued';
    if (row.topic !== topics.keys) return null; // alerts and anything else: nothing consumes them
    if (row.subject === 'key') return 'key.state-changed';
    if (row.subject === 'event-signer') return row.state === 'withdrawn' ? 'event-signer.withdrawn' : 'event-signer.announced';
    if (row.subject === 'kill-switch') return 'kill-switch.changed';
    return null;
  }

  function scan(recordCompletions: boolean): CoverageSnapshot {
    const now = clock.now();
    const rows = tracked.all(now - windowMs);
    let incomplete = 0;
    let oldestPublished: number | null = null;
    let latest: CoverageSnapshot['latest'] = null;
    for (const row of rows) {
      const type = eventType(row);
      if (type === null) continue;
      if (row.expires_at !== null && row.expires_at <= now) continue; // its deny rule is gone
      const isLatest = latest === null;
      if (!isLatest && completed.has(row.event_id)) continue;
      const coverage = instances.coverage(
        { eventId: row.event_id, publishedAt: row.published_at, ...(row.key_set_version === null ? {} : { keySetVersion: row.key_set_version }) },
        now,
      );
      if (isLatest) {
        latest = { applied: coverage.applied.length, covered_at_start: coverage.coveredAtStart.length, pending: coverage.pending.length };
      }
      if (coverage.complete) {
        if (recordCompletions && !completed.has(row.event_id) && coverage.liveInstances > 0) {
          completed.add(row.event_id);
          coverageDuration.record(Math.max(0, now - row.created_at), { event_type: type });
        }
      } else {
        incomplete += 1;
        oldestPublished = oldestPublished === null ? row.published_at : Math.min(oldestPublished, row.published_at);
      }
    }
    if (completed.size > 10_000) {
      const keep = new Set(rows.map((r) => r.event_id));
      for (const id of completed) if (!keep.has(id)) completed.delete(id);
    }
    return { incomplete, oldestPendingAgeS: oldestPublished === null ? 0 : Math.max(0, (now - oldestPublished) / 1000), latest };
  }

  /** The relay's check: only `eventIds`, read one by one, and only when a sidecar is live to complete them. */
  function checkPublished(eventIds: readonly string[]): void {
    const now = clock.now();
    const live = instances.live(now);
    if (live.length === 0) return; // completion needs a live instance: nothing to record
    for (const eventId of eventIds) {
      if (completed.has(eventId)) continue;
      const row = publishedEvent.get(eventId);
      if (row === undefined) continue;
      const type = eventType(row);
      if (type === null || (row.expires_at !== null && row.expires_at <= now)) continue;
      const target = { eventId, publishedAt: row.published_at, ...(row.key_set_version === null ? {} : { keySetVersion: row.key_set_version }) };
      if (instances.coverageAmong(target, live).complete) {
        completed.add(eventId);
        coverageDuration.record(Math.max(0, now - row.created_at), { event_type: type });
      }
    }
    // Oldest first (a Set keeps insertion order): long past the scanned window by then.
    for (const id of completed) {
      if (completed.size <= 10_000) break;
      completed.delete(id);
    }
  }

  const safely = (observe: () => void): void => {
    try {
      observe();
    } catch {
      // A closed database at shutdown: no observation rather than a crashed scrape.
    }
  };

  meter
    .createObservableGauge(METRIC.storeWritable, { unit: '1', description: '1 while the store can write; 0 while it is full, read-only or failing (writes answer 503)' })
    .addCallback((result: ObservableResult<Attributes>) => safely(() => result.observe(store.health().writable ? 1 : 0)));
  meter
    .createObservableGauge(METRIC.outboxBacklog, { unit: '{row}', description: 'Outbox rows not yet published' })
    .addCallback((result: ObservableResult<Attributes>) => safely(() => result.observe(backlog.get()?.n ?? 0)));
  meter
    .createObservableGauge(METRIC.outboxOldestAge, { unit: 's', description: 'Age of the oldest unpublished outbox row; 0 when empty' })
    .addCallback((result) =>
      safely(() => {
        const oldest = backlog.get()?.oldest ?? null;
        result.observe(oldest === null ? 0 : Math.max(0, (clock.now() - oldest) / 1000));
      }),
    );
  const incompleteGauge = meter.createObservableGauge(METRIC.coverageIncomplete, { unit: '{event}', description: 'Tracked events whose coverage is not complete' });
  const oldestPendingGauge = meter.createObservableGauge(METRIC.coverageOldestPendingAge, { unit: 's', description: 'Seconds since publication of the oldest incomplete event' });
  const latestGauge = meter.createObservableGauge(METRIC.coverageLatest, { unit: '{instance}', description: 'Live instances by coverage state of the latest event' });
  meter.addBatchObservableCallback(
    (result) =>
      safely(() => {
        const snapshot = scan(true);
        result.observe(incompleteGauge, snapshot.incomplete);
        result.observe(oldestPendingGauge, snapshot.oldestPendingAgeS);
        const latest = snapshot.latest ?? { applied: 0, covered_at_start: 0, pending: 0 };
        for (const state of ['applied', 'covered_at_start', 'pending'] as const) result.observe(latestGauge, latest[state], { state });
      }),
    [incompleteGauge, oldestPendingGauge, latestGauge],
  );
  meter
    .createObservableGauge(METRIC.sidecarsLive, { unit: '{instance}', description: 'Sidecar instances with a recent heartbeat' })
    .addCallback((result) =>
      safely(() => {
        const live = instances.live(clock.now());
        const ready = live.filter((i) => i.ready).length;
        result.observe(ready, { ready: true });
        result.observe(live.length - ready, { ready: false });
      }),
    );
  meter
    .createObservableGauge(METRIC.keySetVersion, { unit: '{version}', description: 'The last key_set_version published' })
    .addCallback((result) => safely(() => result.observe(options.keySetVersion())));

  return {
    revocationAccepted: (targetType) => revocations.add(1, { target_type: targetType }),
    outboxPublished: (topicKind, rows) => published.add(rows, { topic: topicKind }),
    outboxPublishFailed: () => publishFailures.add(1),
    reportReceived: (reportType) => reports.add(1, { report_type: reportType }),
    tokenIssued: (grantType, tokenType) => tokens.add(1, { grant_type: grantType, token_type: tokenType }),
    anomalyRaised: (kind) => anomalies.add(1, { kind }),
    topicRecovered: (topicKind, how) => topicsRecovered.add(1, { topic: topicKind, how }),
    loginFailed: (kind, reason) => loginsFailed.add(1, { kind, reason }),
    refreshTokenReuseDetected: (clientId) => refreshReuse.add(1, { client_id: clientId }),
    checkCoverage: (eventIds) => safely(() => (eventIds === undefined ? void scan(true) : checkPublished(eventIds))),
  };
}

/** Metrics that record nothing (a core without metrics, e.g. the CLI). */
export const noopAuthorityMetrics: AuthorityMetrics = {
  revocationAccepted: () => undefined,
  outboxPublished: () => undefined,
  outboxPublishFailed: () => undefined,
  reportReceived: () => undefined,
  tokenIssued: () => undefined,
  anomalyRaised: () => undefined,
  topicRecovered: () => undefined,
  loginFailed: () => undefined,
  refreshTokenReuseDetected: () => undefined,
  checkCoverage: () => undefined,
};
