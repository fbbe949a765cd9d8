import type { SidecarLogger } from '../logging/logger';
import type { Clock, EpochMillis, Milliseconds } from '../internal/units';
import type { StalePolicy } from '../options/sidecar-options';
import type { SidecarMetrics } from '../telemetry/sidecar-metrics';
import type { EventTopicKind } from '../sync/event-rejection';
import { verifyFailure, type OtherVerifyFailure } from '../verify/verify-result';

/** How fresh the sidecar's view of the authority is (`stats().staleness`). */
export interface StalenessStats {
  /**
   * When the sidecar last applied a signed record from the authority (event or heartbeat) on its
   * quietest topic, epoch ms; start time before the first; 0 before start.
   */
  readonly lastHeardAt: EpochMillis;
  /** The same per topic: a revocations topic deleted on the broker goes silent while the keys topic does not. */
  readonly lastHeardAtByTopic: Readonly<Record<EventTopicKind, EpochMillis>>;
  /** ms since then (0 before start). */
  readonly ageMs: number;
  readonly maxSilenceMs: number;
  /** True past the bound (only once ready). */
  readonly stale: boolean;
  /** The default policy while stale. */
  readonly policy: StalePolicy;
  /** Tokens accepted by fail-open routes while stale, since creation. */
  readonly failOpenAccepted: number;
}

export interface StalenessMonitorOptions {
  readonly clock: Clock;
  readonly logger: SidecarLogger;
  readonly metrics: SidecarMetrics;
  readonly maxSilenceMs: Milliseconds;
  readonly policy: StalePolicy;
  readonly isReady: () => boolean;
}

/** What a verification may do given the staleness: go on, go on but fail open, or refuse. */
export type StalenessVerdict = { readonly kind: 'fresh' } | { readonly kind: 'fail-open' } | { readonly kind: 'refuse'; readonly failure: OtherVerifyFailure };

/**
 * Tracks when the sidecar last heard from the authority on each topic it reads (any applied
 * signed record, heartbeats included; the authority beats on both) and decides, per
 * verification, what the staleness policy says: silence on either topic past the bound is
 * staleness, so a deleted revocations topic cannot hide behind a lively keys topic. Logs once
 * when the sidecar turns stale and once when it hears from the authority again.
 */
export interface StalenessMonitor {
  /** Starts the silence clock (at `start()`). */
  start(at: EpochMillis): void;
  /** A signed record from the authority was applied from `topic`. */
  heard(eventType: string, topic: EventTopicKind): void;
  /** ms of silence so far (0 before start). */
  silenceMs(): number;
  /** True when ready but silent past the bound. */
  isStale(): boolean;
  /** The verdict for one verification; `policy` is the route's override of the default. */
  check(policy: StalePolicy | undefined): StalenessVerdict;
  /** A fail-open route accepted a token while stale: counted, metered and logged at warn. */
  failOpenAccepted(jti: string, address: string | undefined): void;
  stats(): StalenessStats;
}

/** Shared, so the common case allocates nothing per verification. */
const FRESH: StalenessVerdict = { kind: 'fresh' };
const FAIL_OPEN: StalenessVerdict = { kind: 'fail-open' };

export function createStalenessMonitor(options: StalenessMonitorOptions): StalenessMonitor {
  const { clock, logger, metrics, maxSilenceMs } = options;
  let startedAt: EpochMillis = 0;
  const lastHeard: Record<EventTopicKind, EpochMillis> = { keys: 0, revocations: 0 };
  let staleLogged = false;
  let failOpenAccepted = 0;
  const quietest = (): EventTopicKind => (lastHeard.revocations < lastHeard.keys ? 'revocations' : 'keys');
  const lastHeardAt = (): EpochMillis => lastHeard[quietest()];
  const silenceMs = (): number => Math.max(0, clock() - lastHeardAt());
  const isStale = (): boolean => options.isReady() && silenceMs() > maxSilenceMs;
  return {
    start(at) {
      startedAt = at;
      lastHeard.keys = at;
      lastHeard.revocations = at;
    },
    heard(eventType, topic) {
      lastHeard[topic] = clock();
      if (staleLogged && !isStale()) {
        staleLogged = false;
        logger.info('revmesh sidecar hears from the authority again; no longer stale', { event_type: eventType, topic });
      }
    },
    silenceMs: () => (startedAt === 0 ? 0 : silenceMs()),
    isStale,
    check(policy) {
      if (!isStale()) return FRESH;
      const silence = silenceMs();
      if (!staleLogged) {
        staleLogged = true;
        logger.error('revmesh sidecar is stale: nothing heard from the authority within staleness.maxSilenceMs', {
          topic: quietest(),
          silence_ms: silence,
          max_silence_ms: maxSilenceMs,
          policy: options.policy,
        });
      }
      if ((policy ?? options.policy) === 'fail-open-UNSAFE') return FAIL_OPEN;
      return {
        kind: 'refuse',
        failure: verifyFailure('STALE_STATE', `the sidecar has heard nothing from the authority for ${silence} ms (bound ${maxSilenceMs} ms); revocations may be missing`),
      };
    },
    failOpenAccepted(jti, address) {
      failOpenAccepted++;
      metrics.failOpenAccepted();
      // Every one is logged: the route chose to accept tokens whose revocation may have been missed.
      logger.warn('revmesh sidecar accepted a token while stale (fail-open-UNSAFE route); a revocation may have been missed', {
        jti,
        silence_ms: silenceMs(),
        max_silence_ms: maxSilenceMs,
        ...(address === undefined ? {} : { address }),
      });
    },
    stats: () => ({
      lastHeardAt: lastHeardAt(),
      lastHeardAtByTopic: { ...lastHeard },
      ageMs: startedAt === 0 ? 0 : silenceMs(),
      maxSilenceMs,
      stale: isStale(),
      policy: options.policy,
      failOpenAccepted,
    }),
  };
}
