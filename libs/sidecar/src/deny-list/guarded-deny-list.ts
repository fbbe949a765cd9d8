import type { SidecarLogger } from '../logging/logger';
import type { Clock, Seconds } from '../internal/units';
import type { SidecarMetrics } from '../telemetry/sidecar-metrics';
import { createDenyList, type DenyList } from './deny-list';

export interface GuardedDenyListOptions {
  readonly maxEntries: number;
  readonly maxTokenLifetimeSeconds: Seconds;
  readonly clock: Clock;
  readonly logger: SidecarLogger;
  readonly metrics: SidecarMetrics;
}

/**
 * The deny list with its overflow alarm: each live rule dropped for lack of room is counted
 * (`revmesh.sidecar.deny_list.evictions`), and each overflow episode is logged once at error
 * when it starts and once at warn when it is over (on the first verification after that).
 */
export interface GuardedDenyList extends DenyList {
  /** {@link DenyList.isOverflowing}, logging the end of an overflow episode. */
  isOverflowing(): boolean;
}

export function createGuardedDenyList(options: GuardedDenyListOptions): GuardedDenyList {
  const { logger, metrics } = options;
  let episode = false;
  const denyList = createDenyList({
    maxEntries: options.maxEntries,
    maxRuleTtlMs: options.maxTokenLifetimeSeconds * 1000,
    clock: options.clock,
    onLiveEviction: (eviction) => {
      metrics.liveEviction(eviction.targetType);
      // One error line per overflow episode, not one per eviction: an overflowing sidecar may
      // evict on every event, and the metric counts each one.
      if (episode) return;
      episode = true;
      logger.error('revmesh sidecar deny list is full and dropped a live revocation; refusing every token (DENY_LIST_OVERFLOW)', {
        max_entries: options.maxEntries,
        revocation_id: eviction.revocationId,
        target_type: eviction.targetType,
        fail_closed_until: new Date(eviction.overflowUntil).toISOString(),
        fix: 'raise denyList.maxEntries (size it to revocation rate x maxTokenLifetimeSeconds)',
      });
    },
  });
  return {
    apply: (rule) => denyList.apply(rule),
    match: (token, scope) => denyList.match(token, scope),
    isOverflowing() {
      const overflowing = denyList.isOverflowing();
      if (!overflowing && episode) {
        episode = false;
        logger.warn('revmesh sidecar deny list overflow is over: every dropped revocation has expired');
      }
      return overflowing;
    },
    get size() {
      return denyList.size;
    },
    get liveEvictions() {
      return denyList.liveEvictions;
    },
    reserve: (more) => denyList.reserve(more),
  };
}
