import {
  INCIDENT_REPORT_FORMAT_VERSION,
  type IncidentFollowUpWire,
  type IncidentReportInstance,
  type IncidentReportModel,
  type IncidentReportService,
  type IncidentTimelineEntryWire,
} from '@revmesh/contracts';
import type { SidecarInstance } from '../reports/instance-directory';
import type { Milliseconds } from '../time/clock';
import type { IncidentFollowUp } from './incident-follow-ups';
import { acceptedAfterRevocationByInstance, type ContainingAction, type IncidentTimeline, type TimelineEntry, type TimelineSources } from './incident-timeline';

/**
 * Default of `lateAfterMs`: an instance that took longer than this to apply a containing action
 * is listed as late. One second is ~50× the propagation target (p99 under 20 ms on a local
 * broker) and still far below what a human notices during an incident.
 */
export const DEFAULT_LATE_AFTER_MS: Milliseconds = 1000;
/** Bounds of `lateAfterMs` (1 ms .. 1 day). */
export const MAX_LATE_AFTER_MS: Milliseconds = 86_400_000;

/** Audience under which an instance that names none is listed. */
export const NO_AUDIENCE = '(none)';

export interface IncidentReportInput {
  /**
   * The incident's recorded facts, with `live` = every instance alive at some point while the
   * incident was open (not only those alive now: a report written a day later still judges the
   * instances that were there).
   */
  readonly sources: TimelineSources;
  /** {@link buildIncidentTimeline} of the same sources. */
  readonly timeline: IncidentTimeline;
  readonly followUps: readonly IncidentFollowUp[];
  /** Ids of the instances live at `sources.now` (the others are marked gone). */
  readonly liveNow: ReadonlySet<string>;
  /** See {@link DEFAULT_LATE_AFTER_MS}. */
  readonly lateAfterMs: Milliseconds;
}

function affects(action: ContainingAction, instance: SidecarInstance): boolean {
  return action.audience === null || instance.audiences.includes(action.audience);
}

function maxOf(values: readonly (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length === 0 ? null : Math.max(...known);
}

/** How `instance` stands with each action that affects it; null when none does. */
function instanceContainment(
  instance: SidecarInstance,
  containing: readonly ContainingAction[],
  liveNow: ReadonlySet<string>,
  acceptedAfter: ReadonlyMap<string, number>,
): IncidentReportInstance | null {
  const actions = containing
    .filter((c) => affects(c, instance))
    .map((c) => {
      const base = { kind: c.kind, action_id: c.actionId };
      const applied = c.coverage?.applied.find((a) => a.instanceId === instance.instanceId);
      if (applied !== undefined) {
        return { ...base, status: 'applied' as const, applied_at: applied.appliedAt, time_to_apply_ms: applied.appliedAt === null ? null : applied.appliedAt - c.acceptedAt };
      }
      const atStart = c.coverage?.coveredAtStart.find((a) => a.instanceId === instance.instanceId);
      if (atStart !== undefined) return { ...base, status: 'covered_at_start' as const, applied_at: atStart.startedAt, time_to_apply_ms: null };
      return { ...base, status: 'pending' as const, applied_at: null, time_to_apply_ms: null };
    });
  if (actions.length === 0) return null;
  const pending = actions.some((a) => a.status === 'pending');
  const status = pending ? 'pending' : actions.every((a) => a.status === 'covered_at_start') ? 'covered_at_start' : 'applied';
  return {
    instance_id: instance.instanceId,
    audiences: instance.audiences,
    status,
    time_to_apply_ms: maxOf(actions.map((a) => a.time_to_apply_ms)),
    applied_at: pending ? null : maxOf(actions.map((a) => a.applied_at)),
    last_heartbeat_at: instance.lastHeartbeatAt,
    accepted_after_revocation: acceptedAfter.get(instance.instanceId) ?? null,
    gone: !liveNow.has(instance.instanceId),
    actions,
  };
}

/** Coverage steps of one service: from the first acceptance, +1 each time an instance had applied everything. */
function coverageOverTime(instances: readonly IncidentReportInstance[], start: Milliseconds): IncidentReportService['coverage_over_time'] {
  const of = instances.length;
  const done = instances
    .filter((i) => i.status !== 'pending' && i.applied_at !== null)
    .map((i) => Math.max(start, i.applied_at as number))
    .sort((a, b) => a - b);
  const steps = [{ at: start, applied: 0, of }];
  done.forEach((at, index) => {
    const last = steps[steps.length - 1]!;
    if (last.at === at) steps[steps.length - 1] = { at, applied: index + 1, of };
    else steps.push({ at, applied: index + 1, of });
  });
  return steps;
}

function serviceContainment(sources: TimelineSources, liveNow: ReadonlySet<string>): IncidentReportService[] {
  const byAudience = new Map<string, IncidentReportInstance[]>();
  const acceptedAfter = acceptedAfterRevocationByInstance(sources.containing);
  for (const instance of sources.live) {
    const entry = instanceContainment(instance, sources.containing, liveNow, acceptedAfter);
    if (entry === null) continue;
    for (const audience of instance.audiences.length === 0 ? [NO_AUDIENCE] : instance.audiences) byAudience.set(audience, [...(byAudience.get(audience) ?? []), entry]);
  }
  return [...byAudience.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([audience, instances]) => {
      const sorted = [...instances].sort((a, b) => a.instance_id.localeCompare(b.instance_id));
      const actionIds = new Set(sorted.flatMap((i) => i.actions.map((a) => a.action_id)));
      const start = Math.min(...sources.containing.filter((c) => actionIds.has(c.actionId)).map((c) => c.acceptedAt));
      return {
        audience,
        instances: sorted,
        coverage_over_time: coverageOverTime(sorted, start),
        contained_at: sorted.some((i) => i.status === 'pending') ? null : maxOf(sorted.map((i) => i.applied_at)),
      };
    });
}

/** A follow-up in the API's shape (the report's, and the follow-up routes'). */
export function followUpWire(f: IncidentFollowUp): IncidentFollowUpWire {
  return { id: f.id, text: f.text, owner: f.owner, status: f.status, created_at: f.createdAt, created_by: f.createdBy, done_at: f.doneAt, done_by: f.doneBy };
}

/** A timeline entry in the API's shape (snake_case keys). */
export function timelineEntryWire(entry: TimelineEntry): IncidentTimelineEntryWire {
  switch (entry.type) {
    case 'audit':
      return { at: entry.at, type: entry.type, seq: entry.seq, action: entry.action, outcome: entry.outcome, target: entry.target, actor: entry.actor };
    case 'approval.requested':
    case 'approval.decided':
      return { at: entry.at, type: entry.type, approval_id: entry.approvalId, action: entry.action, state: entry.state, by: entry.by };
    case 'event.published':
      return { at: entry.at, type: entry.type, kind: entry.kind, action_id: entry.actionId, event_id: entry.eventId };
    case 'instance.applied':
      return { at: entry.at, type: entry.type, kind: entry.kind, action_id: entry.actionId, instance_id: entry.instanceId, audiences: entry.audiences };
    case 'alert':
      return { at: entry.at, type: entry.type, alert_id: entry.alertId, kind: entry.kind, severity: entry.severity, summary: entry.summary, count: entry.count };
    case 'blocked':
      return { at: entry.at, type: entry.type, instance_id: entry.instanceId, code: entry.code, revocation_id: entry.revocationId, kid: entry.kid, count: entry.count, window_start: entry.windowStart };
  }
}

function notes(sources: TimelineSources, containment: readonly IncidentReportService[]): string[] {
  const out: string[] = [];
  if (sources.containing.length === 0) out.push('no containing action (revocation, key compromise, kill switch) is linked to the incident');
  for (const a of sources.approvals) {
    if (a.decidedAt === null) out.push(`approval ${a.id} (${a.action}) requested by ${a.requestedBy} was never decided (${a.state})`);
  }
  const untimed = new Set(containment.flatMap((s) => s.instances.filter((i) => i.actions.some((a) => a.status === 'applied' && a.applied_at === null)).map((i) => i.instance_id)));
  for (const id of untimed) out.push(`${id} holds a containing action without an acknowledgement time (its key-set version proves it applied, not when)`);
  if (sources.containing.length > 0 && containment.length === 0) out.push('no sidecar instance affected by the containing actions was alive while the incident was open');
  return out;
}

/**
 * The post-incident report of one incident, from recorded facts only: summary, timeline, who
 * decided and approved what and when (with their justification), containment per service and
 * instance, anomalies, what was overlooked and the operators' follow-ups.
 */
export function buildIncidentReport(input: IncidentReportInput): IncidentReportModel {
  const { sources, timeline, followUps, liveNow, lateAfterMs } = input;
  const { incident } = sources;
  const containment = serviceContainment(sources, liveNow);
  const instances = [...new Map(containment.flatMap((s) => s.instances).map((i) => [i.instance_id, i])).values()].sort((a, b) => a.instance_id.localeCompare(b.instance_id));
  const closed = sources.audit.filter((e) => e.action === 'incidents.close' && e.outcome === 'succeeded').at(-1);
  const containedAt = timeline.containment.containedAt;
  return {
    format_version: INCIDENT_REPORT_FORMAT_VERSION,
    generated_at: sources.now,
    late_after_ms: lateAfterMs,
    incident: {
      id: incident.id,
      title: incident.title,
      severity: incident.severity,
      owner: incident.owner,
      kind: incident.kind,
      status: incident.status,
      created_at: incident.createdAt,
      updated_at: incident.updatedAt,
      links: incident.links.map((l) => ({ kind: l.kind, id: l.actionId, linked_at: l.linkedAt })),
    },
    summary: {
      opened_at: incident.createdAt,
      resolved_at: incident.status === 'resolved' ? (closed?.at ?? incident.updatedAt) : null,
      contained_at: containedAt,
      time_to_contain_ms: containedAt === null ? null : containedAt - incident.createdAt,
      not_contained_why: timeline.containment.why,
      containing_actions: sources.containing.length,
      services: containment.length,
      instances: instances.length,
      instances_pending: instances.filter((i) => i.status === 'pending').length,
      approvals: sources.approvals.length,
      alerts: sources.alerts.length,
      open_follow_ups: followUps.filter((f) => f.status === 'open').length,
    },
    timeline: timeline.entries.map(timelineEntryWire),
    decisions: sources.audit.map((e) => ({
      seq: e.seq,
      at: e.at,
      action: e.action,
      outcome: e.outcome,
      actor: e.actor,
      role: e.role ?? null,
      target: e.target,
      justification: e.justification ?? null,
    })),
    approvals: sources.approvals.map((a) => ({
      id: a.id,
      action: a.action,
      state: a.state,
      requested_at: a.requestedAt,
      requested_by: a.requestedBy,
      decided_at: a.decidedAt,
      decided_by: a.decidedBy,
      wait_ms: a.decidedAt === null ? null : a.decidedAt - a.requestedAt,
    })),
    containing_actions: sources.containing.map((c) => ({
      kind: c.kind,
      action_id: c.actionId,
      audience: c.audience,
      accepted_at: c.acceptedAt,
      event_id: c.coverage?.eventId ?? null,
      published_at: c.coverage?.publishedAt ?? null,
    })),
    containment,
    anomalies: sources.alerts.map((a) => ({ alert_id: a.alertId, kind: a.kind, severity: a.severity, summary: a.summary, first_seen: a.firstSeen, count: a.count })),
    overlooked: {
      never_acknowledged: instances
        .filter((i) => i.status === 'pending')
        .map((i) => ({ instance_id: i.instance_id, audiences: i.audiences, pending: i.actions.filter((a) => a.status === 'pending').map((a) => a.action_id), last_heartbeat_at: i.last_heartbeat_at, gone: i.gone })),
      late: instances
        .filter((i) => i.time_to_apply_ms !== null && i.time_to_apply_ms > lateAfterMs)
        .map((i) => ({ instance_id: i.instance_id, audiences: i.audiences, time_to_apply_ms: i.time_to_apply_ms as number })),
      accepted_after_revocation: timeline.containment.acceptedAfterRevocation,
      notes: notes(sources, containment),
    },
    follow_ups: followUps.map(followUpWire),
  };
}
