import { encodeSidecarReport, type RevmeshEvent, type SidecarAck, type SidecarHeartbeat, type SidecarReport } from '@revmesh/contracts';
import type { OutgoingRecord, RecordPublisher } from '@revmesh/transport';
import type { SidecarLogger } from '../logging/logger';
import type { StalePolicy } from '../options/sidecar-options';
import type { Clock, EpochMillis, Milliseconds } from '../internal/units';
import type { SidecarMetrics } from '../telemetry/sidecar-metrics';

/** What `stats().reports` shows about heartbeats and acks. */
export interface ReportStats {
  readonly heartbeatsSent: number;
  /** `sidecar.blocked` reports sent (one per heartbeat whose window saw verifications). */
  readonly blockedSent: number;
  readonly acksSent: number;
  /** Acks waiting to be published (batched, or held while the acks topic is unreachable). */
  readonly acksPending: number;
  /** Acks dropped because the acks topic stayed unreachable and the buffer was full. */
  readonly acksDropped: number;
  readonly publishFailures: number;
  /** False from a failed publication until the next one succeeds. */
  readonly publishing: boolean;
}

/** What the reporter reads from the sidecar when it builds a report. */
export interface ReporterStatus {
  readonly ready: boolean;
  readonly keySetVersion: number;
  /** How it stands with its staleness bound (the heartbeat's `staleness`); left out when absent. */
  readonly staleness?: { readonly stale: boolean; readonly policy: StalePolicy; readonly failOpenAccepted: number };
}

export interface SidecarReporterOptions {
  /** Called once, at `start()`: the transport exists only from then on. */
  readonly createPublisher: () => RecordPublisher;
  readonly topic: string;
  readonly instanceId: string;
  readonly audiences: readonly string[];
  readonly heartbeatIntervalMs: Milliseconds;
  readonly flushIntervalMs: Milliseconds;
  readonly batchSize: number;
  readonly maxBufferedAcks: number;
  readonly closeFlushTimeoutMs: Milliseconds;
  readonly status: () => ReporterStatus;
  /** The `sidecar.blocked` report of the window ending now, sent with each heartbeat when there is one. */
  readonly blockedReport?: () => SidecarReport | undefined;
  readonly clock: Clock;
  readonly logger: SidecarLogger;
  readonly metrics: SidecarMetrics;
}

/**
 * Heartbeats and acks on the acks topic (docs/keys-and-signed-events.md, "Acknowledgements").
 *
 * Reporting is best effort and strictly off the enforcement path: `ack` only queues, publishing
 * happens on timers, and no failure of the broker reaches `verify` or the readers. While the acks
 * topic is unreachable the reporter logs one warning, keeps at most `maxBufferedAcks` acks (the
 * oldest are dropped and counted) and retries only with the next heartbeat, so a dead broker costs
 * one attempt per heartbeat interval, not one per event.
 */
export interface SidecarReporter {
  /** Creates the publisher, sends the first heartbeat and arms the heartbeat timer. */
  start(startedAt: EpochMillis): void;
  /** Sends a heartbeat now (on ready), besides the periodic ones. */
  heartbeat(): void;
  /**
   * Queues the ack of an event applied after ready; published within `flushIntervalMs`.
   * `acceptedAfterRevocation`: for a revocation, the count of the contract's `accepted_after_revocation`.
   */
  ack(event: RevmeshEvent, acceptedAfterRevocation?: number): void;
  /** Stops the timers, publishes what is queued (waiting at most `closeFlushTimeoutMs`) and disconnects. */
  close(): Promise<void>;
  stats(): ReportStats;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
/** Report fields are whole epoch ms; an injected clock may return fractions. */
const ms = (value: number): number => Math.max(1, Math.trunc(value));

export function createSidecarReporter(options: SidecarReporterOptions): SidecarReporter {
  const { logger, metrics, clock } = options;
  // The contract allows 50 audiences of at most 256 characters; more would make every heartbeat invalid.
  const audiences = options.audiences.filter((a) => a.length <= 256).slice(0, 50);
  let publisher: RecordPublisher | undefined;
  let startedAt = 0;
  let closed = false;
  let heartbeatTimer: NodeJS.Timeout | undefined;
  let flushTimer: NodeJS.Timeout | undefined;
  let heartbeatDue = false;
  let queue: SidecarAck[] = [];
  let inFlight: Promise<void> | undefined;
  let failing = false;
  const counts = { heartbeatsSent: 0, acksSent: 0, acksDropped: 0, publishFailures: 0, blockedSent: 0 };

  const heartbeatReport = (): SidecarHeartbeat => {
    const status = options.status();
    return {
      type: 'sidecar.heartbeat',
      version: 1,
      instance_id: options.instanceId,
      sent_at: ms(clock()),
      key_set_version: status.keySetVersion,
      started_at: ms(startedAt),
      ready: status.ready,
      audiences: [...audiences],
      heartbeat_interval_ms: options.heartbeatIntervalMs,
      ...(status.staleness === undefined
        ? {}
        : { staleness: { stale: status.staleness.stale, policy: status.staleness.policy, fail_open_accepted: status.staleness.failOpenAccepted } }),
    };
  };

  const toRecords = (reports: readonly SidecarReport[]): OutgoingRecord[] => {
    const records: OutgoingRecord[] = [];
    for (const report of reports) {
      try {
        records.push({ topic: options.topic, key: options.instanceId, value: encodeSidecarReport(report) });
      } catch (error) {
        // Only a bug can make a report invalid; losing that one report is the right price.
        logger.error('revmesh sidecar built an invalid report; dropped it', { type: report.type, error: messageOf(error) });
      }
    }
    return records;
  };

  const clearFlushTimer = (): void => {
    if (flushTimer !== undefined) clearTimeout(flushTimer);
    flushTimer = undefined;
  };

  /**
   * Publishes what is due, one batch at a time, until nothing is left. Single-flight: a call while
   * a batch is in the air returns that run, which picks up whatever was queued meanwhile. While the
   * topic is failing, only a heartbeat tick (`retry`) tries again.
   */
  const pump = (retry: boolean): Promise<void> => {
    clearFlushTimer();
    if (inFlight) return inFlight;
    if (!publisher || (failing && !retry)) return Promise.resolve();
    const p = publisher;
    inFlight = (async () => {
      while (heartbeatDue || queue.length > 0) {
        const acks = queue.slice(0, options.batchSize);
        // A blocked report lost with a failed heartbeat is not retried: it is best-effort telemetry.
        const blocked = heartbeatDue ? options.blockedReport?.() : undefined;
        const reports: SidecarReport[] = heartbeatDue ? [heartbeatReport(), ...(blocked ? [blocked] : []), ...acks] : acks;
        const sendsHeartbeat = heartbeatDue;
        heartbeatDue = false;
        queue = queue.slice(acks.length);
        try {
          await p.connect();
          await p.publish(toRecords(reports));
        } catch (error) {
          counts.publishFailures++;
          metrics.reportPublishFailed();
          // Acks go back to the front, in order; a heartbeat is not retried: the next one is fresher.
          queue = [...acks, ...queue];
          trimQueue();
          if (!failing && !closed) {
            logger.warn('revmesh sidecar cannot publish heartbeats and acks; enforcement is unaffected, retrying with the next heartbeat', {
              topic: options.topic,
              error: messageOf(error),
              acks_pending: queue.length,
            });
          }
          failing = true;
          return;
        }
        if (sendsHeartbeat) {
          counts.heartbeatsSent++;
          metrics.reportsPublished('sidecar.heartbeat', 1);
        }
        if (blocked) {
          counts.blockedSent++;
          metrics.reportsPublished('sidecar.blocked', 1);
        }
        if (acks.length > 0) {
          counts.acksSent += acks.length;
          metrics.reportsPublished('sidecar.ack', acks.length);
        }
        if (failing) {
          failing = false;
          logger.info('revmesh sidecar publishes heartbeats and acks again', { topic: options.topic, acks_dropped: counts.acksDropped });
        }
      }
    })().finally(() => {
      inFlight = undefined;
      // Something queued between the loop's last check and here would otherwise wait for the next tick.
      if (!closed && !failing && (heartbeatDue || queue.length > 0)) void pump(false);
    });
    return inFlight;
  };

  const trimQueue = (): void => {
    const excess = queue.length - options.maxBufferedAcks;
    if (excess <= 0) return;
    queue = queue.slice(excess);
    counts.acksDropped += excess;
    metrics.acksDropped(excess);
  };

  const scheduleFlush = (): void => {
    if (closed || failing) return;
    if (queue.length >= options.batchSize) {
      void pump(false);
      return;
    }
    if (flushTimer === undefined && !inFlight) {
      flushTimer = setTimeout(() => {
        flushTimer = undefined;
        void pump(false);
      }, options.flushIntervalMs);
      // A library timer must not keep the host process alive.
      flushTimer.unref();
    }
  };

  return {
    start(at) {
      if (publisher || closed) return;
      startedAt = at;
      publisher = options.createPublisher();
      heartbeatDue = true;
      void pump(true);
      heartbeatTimer = setInterval(() => {
        heartbeatDue = true;
        void pump(true);
      }, options.heartbeatIntervalMs);
      heartbeatTimer.unref();
    },
    heartbeat() {
      if (closed || !publisher) return;
      heartbeatDue = true;
      void pump(false);
    },
    ack(event, acceptedAfterRevocation) {
      if (closed) return;
      const status = options.status();
      queue.push({
        type: 'sidecar.ack',
        version: 1,
        instance_id: options.instanceId,
        sent_at: ms(clock()),
        key_set_version: status.keySetVersion,
        event_id: event.id,
        event_type: event.type,
        applied_at: ms(clock()),
        ...(acceptedAfterRevocation === undefined ? {} : { accepted_after_revocation: acceptedAfterRevocation }),
      });
      trimQueue();
      // Acks that arrive while a batch is in the air ride on the same run (see pump).
      if (!inFlight) scheduleFlush();
    },
    async close() {
      if (closed) return;
      closed = true;
      if (heartbeatTimer !== undefined) clearInterval(heartbeatTimer);
      heartbeatTimer = undefined;
      clearFlushTimer();
      if (!publisher) return;
      let timeout: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timeout = setTimeout(resolve, options.closeFlushTimeoutMs);
      });
      try {
        // Best effort: the last acks if the broker answers in time, never a hang on shutdown.
        await Promise.race([(inFlight ?? Promise.resolve()).then(() => (queue.length > 0 ? pump(true) : undefined)), deadline]);
      } finally {
        clearTimeout(timeout);
      }
      if (queue.length > 0) {
        logger.warn('revmesh sidecar closed with acks it could not publish', { acks_pending: queue.length });
      }
      await publisher.disconnect().catch((error: unknown) => logger.warn('revmesh sidecar: disconnecting the acks publisher failed', { error: messageOf(error) }));
    },
    stats: () => ({ ...counts, acksPending: queue.length, publishing: !failing }),
  };
}
