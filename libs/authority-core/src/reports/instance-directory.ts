import { translateStoreError, type AuthorityStore } from '../store/store';
import type { Milliseconds } from '../time/clock';

/** An instance counts as gone after this many heartbeat intervals without a heartbeat. */
export const MISSED_HEARTBEATS_UNTIL_GONE = 3;

/** The staleness a sidecar's heartbeat reports (the contract's `staleness`). */
export interface InstanceStaleness {
  /** Past its staleness bound: it has heard nothing signed by the authority for too long. */
  readonly stale: boolean;
  /** What its routes do while stale unless a route overrides it. */
  readonly policy: 'fail-closed' | 'fail-open-UNSAFE';
  /** Tokens its fail-open routes accepted while stale, since it started. */
  readonly failOpenAccepted: number;
}

/** A sidecar instance as last reported. Times are epoch ms (the sidecar's clock). */
export interface SidecarInstance {
  readonly instanceId: string;
  /** How it stood with its staleness bound at its last heartbeat; absent when it did not say (an older sidecar). */
  readonly staleness?: InstanceStaleness;
  readonly startedAt: Milliseconds;
  readonly lastHeartbeatAt: Milliseconds;
  readonly ready: boolean;
  /** Highest key-set version it holds (from heartbeats and acks). */
  readonly keySetVersion: number;
  readonly audiences: readonly string[];
  readonly heartbeatIntervalMs: Milliseconds;
  readonly firstSeenAt: Milliseconds;
}

/** How one live instance stands with one event. */
export type CoverageEntry =
  | {
      readonly instanceId: string;
      readonly status: 'applied';
      readonly appliedAt: Milliseconds | null;
      readonly via: 'ack' | 'key_set_version';
      /**
       * Of a revocation's ack: requests the instance accepted with a token the revocation denies,
       * after the revocation was accepted and before it applied it (the ack's
       * `accepted_after_revocation`). Absent: not reported (an older sidecar, or another event type).
       */
      readonly acceptedAfterRevocation?: number;
    }
  | { readonly instanceId: string; readonly status: 'covered_at_start'; readonly startedAt: Milliseconds }
  | { readonly instanceId: string; readonly status: 'pending'; readonly lastHeartbeatAt: Milliseconds };

/** Coverage of one event across the live instances. */
export interface EventCoverage {
  readonly eventId: string;
  readonly publishedAt: Milliseconds | null;
  readonly liveInstances: number;
  readonly applied: readonly Extract<CoverageEntry, { status: 'applied' }>[];
  readonly coveredAtStart: readonly Extract<CoverageEntry, { status: 'covered_at_start' }>[];
  readonly pending: readonly Extract<CoverageEntry, { status: 'pending' }>[];
  /** Published, and no live instance pending. */
  readonly complete: boolean;
}

/** The event whose coverage is asked. */
export interface CoverageTarget {
  readonly eventId: string;
  /** When the broker acknowledged it; null while unpublished (then every instance is pending). */
  readonly publishedAt: Milliseconds | null;
  /**
   * For key and signer events: an instance whose key-set version is at least this holds the
   * event even without an ack (a heartbeat proves it).
   */
  readonly keySetVersion?: number;
}

/** Reads instances and acks (written by the report sink). */
export interface InstanceDirectory {
  /** Instances whose last heartbeat is younger than 3 of their own intervals at `now`. */
  live(now: Milliseconds): SidecarInstance[];
  /** Every instance ever seen, live or not, newest heartbeat first. */
  all(): SidecarInstance[];
  /**
   * Per live instance: `applied` (an ack, or a key-set version at least the event's),
   * `covered_at_start` (ready, and started after the event was published: it read the topic
   * from the beginning with the event already there), or `pending`.
   */
  coverage(target: CoverageTarget, now: Milliseconds): EventCoverage;
  /** {@link coverage} among `live` (what {@link live} answered at `now`), for many events at once. */
  coverageAmong(target: CoverageTarget, live: readonly SidecarInstance[]): EventCoverage;
}

interface InstanceRow {
  instance_id: string;
  started_at: number;
  last_heartbeat_at: number;
  ready: number;
  key_set_version: number;
  audiences: string;
  heartbeat_interval_ms: number;
  first_seen_at: number;
  /** NULL when the heartbeat did not report its staleness. */
  stale: number | null;
  stale_policy: 'fail-closed' | 'fail-open-UNSAFE' | null;
  fail_open_accepted: number | null;
}

function toInstance(row: InstanceRow): SidecarInstance {
  return {
    instanceId: row.instance_id,
    startedAt: row.started_at,
    lastHeartbeatAt: row.last_heartbeat_at,
    ready: row.ready === 1,
    keySetVersion: row.key_set_version,
    audiences: JSON.parse(row.audiences) as string[],
    heartbeatIntervalMs: row.heartbeat_interval_ms,
    firstSeenAt: row.first_seen_at,
    ...(row.stale === null || row.stale_policy === null
      ? {}
      : { staleness: { stale: row.stale === 1, policy: row.stale_policy, failOpenAccepted: row.fail_open_accepted ?? 0 } }),
  };
}

/** Creates the instance directory. */
export function createInstanceDirectory(store: AuthorityStore): InstanceDirectory {
  const db = store.db;
  const live = db.prepare<[number, number], InstanceRow>(
    `SELECT * FROM sidecar_instances WHERE ? - last_heartbeat_at < ? * heartbeat_interval_ms ORDER BY instance_id`,
  );
  const all = db.prepare<[], InstanceRow>('SELECT * FROM sidecar_instances ORDER BY last_heartbeat_at DESC');
  const acks = db.prepare<[string], { instance_id: string; applied_at: number; accepted_after_revocation: number | null }>(
    'SELECT instance_id, applied_at, accepted_after_revocation FROM sidecar_acks WHERE event_id = ?',
  );
  const read = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      throw translateStoreError(error, 'cannot read sidecar instances');
    }
  };
  const liveAt = (now: Milliseconds): SidecarInstance[] => read(() => live.all(now, MISSED_HEARTBEATS_UNTIL_GONE).map(toInstance));

  return {
    live: liveAt,
    all: () => read(() => all.all().map(toInstance)),
    coverage(target, now) {
      return coverageAmong(target, liveAt(now));
    },
    coverageAmong: (target, live) => coverageAmong(target, live),
  };

  function coverageAmong(target: CoverageTarget, instances: readonly SidecarInstance[]): EventCoverage {
    const acked = new Map(read(() => acks.all(target.eventId)).map((a) => [a.instance_id, a]));
    const applied: Extract<CoverageEntry, { status: 'applied' }>[] = [];
    const coveredAtStart: Extract<CoverageEntry, { status: 'covered_at_start' }>[] = [];
    const pending: Extract<CoverageEntry, { status: 'pending' }>[] = [];
    for (const instance of instances) {
      const ack = acked.get(instance.instanceId);
      if (ack !== undefined) {
        const accepted = ack.accepted_after_revocation;
        applied.push({
          instanceId: instance.instanceId,
          status: 'applied',
          appliedAt: ack.applied_at,
          via: 'ack',
          ...(accepted === null ? {} : { acceptedAfterRevocation: accepted }),
        });
      } else if (target.keySetVersion !== undefined && instance.keySetVersion >= target.keySetVersion) {
        applied.push({ instanceId: instance.instanceId, status: 'applied', appliedAt: null, via: 'key_set_version' });
      } else if (target.publishedAt !== null && instance.ready && instance.startedAt >= target.publishedAt) {
        coveredAtStart.push({ instanceId: instance.instanceId, status: 'covered_at_start', startedAt: instance.startedAt });
      } else {
        pending.push({ instanceId: instance.instanceId, status: 'pending', lastHeartbeatAt: instance.lastHeartbeatAt });
      }
    }
    return {
      eventId: target.eventId,
      publishedAt: target.publishedAt,
      liveInstances: instances.length,
      applied,
      coveredAtStart,
      pending,
      complete: target.publishedAt !== null && pending.length === 0,
    };
  }
}
