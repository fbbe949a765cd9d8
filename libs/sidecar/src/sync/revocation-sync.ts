import { decodeEvent, type RevmeshEvent, type RevmeshEventType, type RevocationIssuedEvent } from '@revmesh/contracts';
import type { IncomingRecord } from '@revmesh/transport';
import type { DenyList } from '../deny-list/deny-list';
import type { SidecarLogger } from '../logging/logger';
import type { Clock } from '../internal/units';
import type { SidecarMetrics } from '../telemetry/sidecar-metrics';
import { createAppliedRevocations, type AppliedRevocation } from './applied-revocations';

/** Why an event was skipped: a contracts `EventRejectionReason`, or `HANDLER_ERROR` for a failure while applying it. */
export type EventSkipReason = string;

export type RevocationAppliedListener = (applied: AppliedRevocation) => void;

/** Counts of what the sync has seen, for `sidecar.stats()`. */
export interface SyncCounts {
  readonly eventsApplied: number;
  /** Events for a revocation already applied (the outbox republishes at least once); applied again, harmlessly. */
  readonly duplicateEvents: number;
  /** Records with a null value (compaction tombstones): nothing to apply. */
  readonly tombstones: number;
  /** Skipped events by reason (`MALFORMED_JSON`, `SCHEMA_INVALID`, `UNKNOWN_TYPE`, `UNSUPPORTED_VERSION`, `TOO_LARGE`, `EMPTY`, `HANDLER_ERROR`). */
  readonly rejectedEvents: Readonly<Record<EventSkipReason, number>>;
}

export interface RevocationSyncOptions {
  readonly denyList: DenyList;
  readonly clock: Clock;
  readonly logger: SidecarLogger;
  readonly metrics: SidecarMetrics;
  /** Whether the sidecar has caught up; events applied before that are a replay. */
  readonly isReady: () => boolean;
}

/** Turns revocation-topic records into deny rules. */
export interface RevocationSync {
  /** Handles one record. Never throws: a bad event is counted, logged and skipped so the reader keeps going. */
  handle(record: IncomingRecord): void;
  appliedRevocation(revocationId: string): AppliedRevocation | undefined;
  onApplied(listener: RevocationAppliedListener): () => void;
  counts(): SyncCounts;
  /** Drops every listener (on close). */
  clearListeners(): void;
}

const where = (record: IncomingRecord) => ({ topic: record.topic, partition: record.partition, offset: record.offset });
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export function createRevocationSync(options: RevocationSyncOptions): RevocationSync {
  const { denyList, clock, logger, metrics } = options;
  const applied = createAppliedRevocations();
  const listeners = new Set<RevocationAppliedListener>();
  const rejected: Record<string, number> = {};
  let eventsApplied = 0;
  let duplicateEvents = 0;
  let tombstones = 0;

  const countRejection = (reason: EventSkipReason): void => {
    rejected[reason] = (rejected[reason] ?? 0) + 1;
    metrics.eventRejected(reason);
  };

  const notify = (record: AppliedRevocation): void => {
    for (const listener of listeners) {
      try {
        listener(record);
      } catch (error) {
        // A listener's bug must not stop enforcement or the other listeners.
        logger.error('revmesh sidecar onRevocationApplied listener threw', { error: messageOf(error) });
      }
    }
  };

  const applyRevocation = (event: RevocationIssuedEvent): void => {
    const { payload } = event;
    const outcome = denyList.apply({
      revocationId: payload.revocation_id,
      target: payload.target,
      notAfterIat: payload.not_after_iat,
      expiresAt: payload.expires_at,
    });
    const appliedAt = clock();
    const replay = !options.isReady();
    eventsApplied++;
    if (applied.has(payload.revocation_id)) {
      duplicateEvents++;
      metrics.eventApplied(payload.target.type, undefined, replay);
      logger.debug('revmesh sidecar applied a republished revocation again', { revocation_id: payload.revocation_id, event_id: event.id });
      return;
    }
    const record: AppliedRevocation = {
      revocationId: payload.revocation_id,
      eventId: event.id,
      targetType: payload.target.type,
      appliedAt,
      latencyMs: Math.max(0, appliedAt - event.issued_at),
      replay,
    };
    applied.add(record);
    metrics.eventApplied(payload.target.type, record.latencyMs, replay);
    logger.debug('revmesh sidecar applied a revocation', {
      revocation_id: payload.revocation_id,
      target_type: payload.target.type,
      outcome,
      latency_ms: record.latencyMs,
      replay,
    });
    notify(record);
  };

  const misplaced = (event: RevmeshEvent): void => {
    countRejection('UNKNOWN_TYPE');
    logger.warn('revmesh sidecar ignored an event that does not belong on the revocations topic', { type: event.type, event_id: event.id });
  };

  // One handler per event type: a type added to contracts without a handler here fails to compile.
  const handlers: { readonly [T in RevmeshEventType]: (event: Extract<RevmeshEvent, { type: T }>) => void } = {
    'revocation.issued': applyRevocation,
    // Key and signer events belong on the keys topic; on the revocations topic they are misplaced.
    'key.state-changed': (event) => misplaced(event),
    'event-signer.announced': (event) => misplaced(event),
    'event-signer.withdrawn': (event) => misplaced(event),
  };

  return {
    handle(record) {
      try {
        if (record.value === null) {
          tombstones++;
          logger.debug('revmesh sidecar ignored a tombstone', { key: record.key, ...where(record) });
          return;
        }
        const decoded = decodeEvent(record.value);
        if (!decoded.ok) {
          countRejection(decoded.reason);
          logger.warn('revmesh sidecar skipped an event it cannot apply', {
            reason: decoded.reason,
            detail: decoded.message,
            key: record.key,
            ...where(record),
          });
          return;
        }
        const event = decoded.event;
        (handlers[event.type] as (event: RevmeshEvent) => void)(event);
      } catch (error) {
        countRejection('HANDLER_ERROR');
        logger.error('revmesh sidecar failed to apply an event', { reason: 'HANDLER_ERROR', error: messageOf(error), ...where(record) });
      }
    },
    appliedRevocation: (revocationId) => applied.get(revocationId),
    onApplied(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    counts: () => ({ eventsApplied, duplicateEvents, tombstones, rejectedEvents: { ...rejected } }),
    clearListeners: () => listeners.clear(),
  };
}
