import type { Containment, Incident, IncidentTimeline, IncidentWithLinks, ServiceCoverage, TimelineEntry } from '@revmesh/authority-core';

/** An incident as the API shows it. Times: epoch ms. */
export interface IncidentView {
  readonly id: string;
  readonly title: string;
  readonly severity: Incident['severity'];
  readonly owner: string;
  readonly kind: Incident['kind'];
  readonly status: Incident['status'];
  readonly created_at: number;
  readonly updated_at: number;
  readonly links?: readonly { readonly kind: string; readonly id: string; readonly linked_at: number }[];
}

export function incidentView(incident: Incident | IncidentWithLinks): IncidentView {
  return {
    id: incident.id,
    title: incident.title,
    severity: incident.severity,
    owner: incident.owner,
    kind: incident.kind,
    status: incident.status,
    created_at: incident.createdAt,
    updated_at: incident.updatedAt,
    ...('links' in incident ? { links: incident.links.map((l) => ({ kind: l.kind, id: l.actionId, linked_at: l.linkedAt })) } : {}),
  };
}

/** Keys of a timeline entry in snake_case (`instanceId` → `instance_id`). */
function snake(entry: TimelineEntry): Record<string, unknown> {
  return Object.fromEntries(Object.entries(entry).map(([key, value]) => [key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), value]));
}

export interface IncidentTimelineView {
  readonly incident: IncidentView;
  readonly entries: readonly Record<string, unknown>[];
  readonly coverage: readonly { readonly audience: string; readonly instances: readonly Record<string, unknown>[] }[];
  readonly containment: {
    readonly contained_at: number | null;
    readonly why: string | null;
    readonly accepted_after_revocation: { readonly known: boolean; readonly count: number | null; readonly why: string | null };
  };
}

function coverageView(coverage: readonly ServiceCoverage[]): IncidentTimelineView['coverage'] {
  return coverage.map((s) => ({
    audience: s.audience,
    instances: s.instances.map((i) => ({
      instance_id: i.instanceId,
      first_applied_at: i.firstAppliedAt,
      last_applied_at: i.lastAppliedAt,
      pending: i.pending,
      accepted_after_revocation: i.acceptedAfterRevocation,
    })),
  }));
}

function containmentView(c: Containment): IncidentTimelineView['containment'] {
  return { contained_at: c.containedAt, why: c.why, accepted_after_revocation: c.acceptedAfterRevocation };
}

export function incidentTimelineView(t: { readonly incident: IncidentWithLinks } & IncidentTimeline): IncidentTimelineView {
  return { incident: incidentView(t.incident), entries: t.entries.map(snake), coverage: coverageView(t.coverage), containment: containmentView(t.containment) };
}
