import type { RevocationIssuedEvent } from '@revmesh/contracts';
import type { DenyList } from '../deny-list/deny-list';
import type { SidecarLogger } from '../logging/logger';
import type { Clock } from '../internal/units';
import type { SidecarMetrics } from '../telemetry/sidecar-metrics';
import { createAppliedRevocations, type AppliedRevocation } from './applied-revocations';

export type RevocationAppliedListener = (applied: AppliedRevocation) => void;

/** Counts of what the sync has applied, for `sidecar.stats()`. */
export interface RevocationSyncCounts {
  readonly eventsApplied: number;
  /**
   * Events, under a new event id, for a revocation already applied; applied again, harmlessly. (The
   * same event id seen again is a `REPLAY`, refused before it gets here.)
   */
  readonly duplicateEvents: number;
}

export interface RevocationSyncOptions {
  readonly denyList: DenyList;
  readonly clock: Clock;
  readonly logger: SidecarLogger;
  readonly metrics: SidecarMetrics;
  /** Whether the sidecar has caught up; events applied before that are a replay. */
  readonly isReady: () => boolean;
  /** The deny-rule scope of a revocation's `iss` (`''` for the authority's own issuer, and for none). */
  readonly scopeOf: (iss: string | undefined) => string;
}

/** Turns (signature-checked) revocation events into deny rules. */
export interface RevocationSync {
  /** Applies one revocation. Idempotent. */
  apply(event: RevocationIssuedEvent): void;
  appliedRevocation(revocationId: string): AppliedRevocation | undefined;
  onApplied(listener: RevocationAppliedListener): () => void;
  counts(): RevocationSyncCounts;
  /** Drops every listener (on close). */
  clearListeners(): void;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export function createRevocationSync(options: RevocationSyncOptions): RevocationSync {
  const { denyList, clock, logger, metrics } = options;
  const applied = createAppliedRevocations();
  const listeners = new Set<RevocationAppliedListener>();
  let eventsApplied = 0;
  let duplicateEvents = 0;

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
      scope: options.scopeOf(payload.iss),
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

  return {
    apply: applyRevocation,
    appliedRevocation: (revocationId) => applied.get(revocationId),
    onApplied(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    counts: () => ({ eventsApplied, duplicateEvents }),
    clearListeners: () => listeners.clear(),
  };
}
