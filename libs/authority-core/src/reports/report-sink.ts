import {
  decodeSidecarReport,
  SIDECAR_ACK,
  SIDECAR_BLOCKED,
  SIDECAR_HEARTBEAT,
  type SidecarAck,
  type SidecarBlocked,
  type SidecarHeartbeat,
  type SidecarReport,
} from '@revmesh/contracts';
import { logErrorFields } from '../logging/log-fields';
import { silentLogger, type AuthorityLogger } from '../logging/logger';
import type { AuthorityStore } from '../store/store';
import { systemClock, type Clock, type Milliseconds } from '../time/clock';

/** Counters of the report sink since start. */
export interface ReportSinkStats {
  readonly received: number;
  readonly heartbeats: number;
  readonly acks: number;
  /** `sidecar.blocked` reports (not stored: handed to `onBlocked`, the anomaly signals). */
  readonly blocked: number;
  /** Reports that failed to decode or validate: counted, logged, never stored. */
  readonly invalid: number;
  /** Valid reports lost because the database refused the batch (logged). */
  readonly dropped: number;
  readonly lastReceivedAt: Milliseconds | null;
}

/**
 * Where sidecar reports (acks topic) go. The transport that reads them (the NestJS Kafka
 * microservice in apps/authority) only hands raw record values to {@link recordRaw}; decoding,
 * validation and storage live here.
 *
 * Reports are claims, never commands: a report can make an instance look live or an event look
 * applied, nothing else.
 */
export interface SidecarReportSink {
  /** Decodes one acks-topic record value and records it. Never throws. */
  recordRaw(value: Buffer | string | null | undefined): void;
  /** Records one decoded report (buffered; written within `flushIntervalMs`). Never throws. */
  recordReport(report: SidecarReport): void;
  /** Writes everything buffered now, in one transaction. */
  flush(): void;
  stats(): ReportSinkStats;
  /** Flushes and stops the flush timer. */
  close(): void;
}

export interface ReportSinkOptions {
  readonly store: AuthorityStore;
  readonly clock?: Clock;
  readonly logger?: AuthorityLogger;
  /**
   * Longest time a report waits in memory before it is written, ms. Batching shares one fsync
   * among many reports (50 sidecars acking every revocation is a lot of rows). Default 20.
   */
  readonly flushIntervalMs?: Milliseconds;
  /** Buffered reports that trigger an immediate write. Default 1000. */
  readonly maxBuffered?: number;
  /** Called after each write (wakes promotion gates waiting for confirmations). */
  readonly onRecorded?: () => void;
  /** Minimum time between two "invalid report" log lines, ms (the count is always kept). Default 10000. */
  readonly invalidLogIntervalMs?: Milliseconds;
  /** Each `sidecar.blocked` report, synchronously on receipt (the anomaly detector). Must not throw. */
  readonly onBlocked?: (report: SidecarBlocked) => void;
  /** Each report read, by type (`invalid` for a report that failed to decode): the metrics. */
  readonly onReceived?: (reportType: string) => void;
}

/** Creates the report sink. */
export function createReportSink(options: ReportSinkOptions): SidecarReportSink {
  const { store } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const flushIntervalMs = options.flushIntervalMs ?? 20;
  const maxBuffered = options.maxBuffered ?? 1000;
  const invalidLogIntervalMs = options.invalidLogIntervalMs ?? 10_000;
  const db = store.db;

  const upsertHeartbeat = db.prepare(
    `INSERT INTO sidecar_instances (instance_id, started_at, last_heartbeat_at, last_sent_at, ready, key_set_version,
                                    audiences, heartbeat_interval_ms, first_seen_at, stale, stale_policy, fail_open_accepted)
     VALUES (@instanceId, @startedAt, @heartbeatAt, @sentAt, @ready, @keySetVersion, @audiences, @intervalMs, @receivedAt,
             @stale, @stalePolicy, @failOpenAccepted)
     ON CONFLICT (instance_id) DO UPDATE SET
       -- The newest heartbeat's staleness; NULL when it did not report one (an older sidecar).
       stale = excluded.stale,
       stale_policy = excluded.stale_policy,
       fail_open_accepted = excluded.fail_open_accepted,
       -- A restarted instance (new started_at) reports what it holds now, possibly less.
       key_set_version = CASE WHEN excluded.started_at = sidecar_instances.started_at
                              THEN ${db.dialect.greatest('sidecar_instances.key_set_version', 'excluded.key_set_version')}
                              ELSE excluded.key_set_version END,
       started_at = excluded.started_at,
       last_heartbeat_at = ${db.dialect.greatest('sidecar_instances.last_heartbeat_at', 'excluded.last_heartbeat_at')},
       last_sent_at = excluded.last_sent_at,
       ready = excluded.ready,
       audiences = excluded.audiences,
       heartbeat_interval_ms = excluded.heartbeat_interval_ms
     -- Out-of-order or replayed heartbeats never move an instance backwards.
     WHERE excluded.last_sent_at >= sidecar_instances.last_sent_at`,
  );
  const insertAck = db.prepare(
    `INSERT INTO sidecar_acks (instance_id, event_id, event_type, applied_at, key_set_version, received_at, accepted_after_revocation)
     VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  const raiseVersion = db.prepare(
    `UPDATE sidecar_instances SET key_set_version = ${db.dialect.greatest('key_set_version', '?')} WHERE instance_id = ?`,
  );

  type StoredReport = SidecarHeartbeat | SidecarAck;
  let buffer: { report: StoredReport; receivedAt: Milliseconds }[] = [];
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const counts = { received: 0, heartbeats: 0, acks: 0, blocked: 0, invalid: 0, dropped: 0 };
  let lastReceivedAt: Milliseconds | null = null;
  let lastInvalidLog = -Infinity;
  let invalidSinceLog = 0;

  function writeHeartbeat(h: SidecarHeartbeat, receivedAt: Milliseconds): void {
    upsertHeartbeat.run({
      instanceId: h.instance_id,
      startedAt: h.started_at,
      // The sidecar's send time, but never in the future of our own clock: a replayed old
      // heartbeat stays old, and a sidecar clock running ahead cannot keep itself alive.
      heartbeatAt: Math.min(h.sent_at, receivedAt),
      sentAt: h.sent_at,
      ready: h.ready ? 1 : 0,
      stale: h.staleness === undefined ? null : h.staleness.stale ? 1 : 0,
      stalePolicy: h.staleness?.policy ?? null,
      failOpenAccepted: h.staleness?.fail_open_accepted ?? null,
      keySetVersion: h.key_set_version,
      audiences: JSON.stringify(h.audiences),
      intervalMs: h.heartbeat_interval_ms,
      receivedAt,
    });
  }

  function writeAck(a: SidecarAck, receivedAt: Milliseconds): void {
    // An older sidecar sends no count: NULL (not reported), never 0.
    insertAck.run(a.instance_id, a.event_id, a.event_type, a.applied_at, a.key_set_version, receivedAt, a.accepted_after_revocation ?? null);
    raiseVersion.run(a.key_set_version, a.instance_id);
  }

  function flush(): void {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (buffer.length === 0) return;
    const batch = buffer;
    buffer = [];
    try {
      store.transaction(() => {
        for (const { report, receivedAt } of batch) {
          if (report.type === SIDECAR_HEARTBEAT) writeHeartbeat(report, receivedAt);
          else writeAck(report, receivedAt);
        }
      });
    } catch (error) {
      counts.dropped += batch.length;
      logger.error('sidecar reports: could not store a batch; it is dropped', { reports: batch.length, ...logErrorFields(error) });
      return;
    }
    options.onRecorded?.();
  }

  function invalid(message: string): void {
    counts.invalid += 1;
    options.onReceived?.('invalid');
    invalidSinceLog += 1;
    const now = clock.now();
    // Rate-limited: a flood of garbage on the acks topic must not become a flood of log lines.
    if (now - lastInvalidLog >= invalidLogIntervalMs) {
      logger.warn('sidecar reports: invalid report ignored', { reason: message, invalidSinceLastLog: invalidSinceLog, invalidTotal: counts.invalid });
      lastInvalidLog = now;
      invalidSinceLog = 0;
    }
  }

  function recordReport(report: SidecarReport): void {
    if (closed) return;
    const receivedAt = clock.now();
    counts.received += 1;
    lastReceivedAt = receivedAt;
    options.onReceived?.(report.type);
    if (report.type === SIDECAR_BLOCKED) {
      counts.blocked += 1;
      try {
        options.onBlocked?.(report);
      } catch (error) {
        logger.error('sidecar reports: the blocked-report handler failed', logErrorFields(error));
      }
      return;
    }
    if (report.type === SIDECAR_HEARTBEAT) counts.heartbeats += 1;
    else if (report.type === SIDECAR_ACK) counts.acks += 1;
    buffer.push({ report, receivedAt });
    if (buffer.length >= maxBuffered) flush();
    else if (timer === undefined) {
      timer = setTimeout(flush, flushIntervalMs);
      timer.unref();
    }
  }

  return {
    recordRaw(value) {
      try {
        const decoded = decodeSidecarReport(value);
        if (decoded.ok) recordReport(decoded.report);
        else invalid(decoded.message);
      } catch (error) {
        // decodeSidecarReport never throws; this is belt and braces for the consumer loop.
        invalid(`unexpected decoding failure: ${String((error as Error).message ?? error)}`);
      }
    },
    recordReport,
    flush,
    stats: () => ({ ...counts, lastReceivedAt }),
    close() {
      flush();
      closed = true;
    },
  };
}
