import type { EventCoverage } from '@revmesh/authority-core';

/** Who holds an event: the design's three categories, each a list of instances. */
export interface CoverageView {
  readonly event_id: string;
  readonly published_at: number | null;
  readonly live_instances: number;
  readonly applied: readonly { readonly instance_id: string; readonly applied_at: number | null; readonly via: 'ack' | 'key_set_version' }[];
  readonly covered_at_start: readonly { readonly instance_id: string; readonly started_at: number }[];
  readonly pending: readonly { readonly instance_id: string; readonly last_heartbeat_at: number }[];
  readonly complete: boolean;
}

export function coverageView(c: EventCoverage): CoverageView {
  return {
    event_id: c.eventId,
    published_at: c.publishedAt,
    live_instances: c.liveInstances,
    applied: c.applied.map((a) => ({ instance_id: a.instanceId, applied_at: a.appliedAt, via: a.via })),
    covered_at_start: c.coveredAtStart.map((a) => ({ instance_id: a.instanceId, started_at: a.startedAt })),
    pending: c.pending.map((p) => ({ instance_id: p.instanceId, last_heartbeat_at: p.lastHeartbeatAt })),
    complete: c.complete,
  };
}
