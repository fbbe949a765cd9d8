import type { Actor } from '@revmesh/contracts';
import type { BlockedPresentation } from '../reports/blocked-report-log';
import type { EventCoverage, SidecarInstance } from '../reports/instance-directory';
import type { Milliseconds } from '../time/clock';
import type { IncidentLinkKind } from './incident';
import type { IncidentWithLinks } from './incident-service';

/** An audit entry about the incident or one of its actions. */
export interface TimelineAuditEntry {
  readonly seq: number;
  readonly at: Milliseconds;
  readonly action: string;
  readonly outcome: string;
  readonly target: string | null;
  readonly actor: Actor;
  /** The operator's role then (absent or null: the system, or not read). For the report's decisions. */
  readonly role?: string | null;
  /** The written justification (absent or null: none recorded, or not read). */
  readonly justification?: string | null;
}

/** An approval request linked to the incident (or made for one of its actions). */
export interface TimelineApproval {
  readonly id: string;
  readonly action: string;
  readonly state: string;
  readonly requestedAt: Milliseconds;
  readonly requestedBy: string;
  readonly decidedAt: Milliseconds | null;
  readonly decidedBy: string | null;
}

/** An anomaly alert raised while the incident was open. */
export interface TimelineAlert {
  readonly alertId: string;
  readonly kind: string;
  readonly severity: string;
  readonly summary: string;
  readonly firstSeen: Milliseconds;
  readonly count: number;
}

/**
 * An action that contains the incident once every affected live instance applied its event: a
 * revocation or a key compromise (every audience), a kill switch (its audience, or every one).
 * `coverage` is its event's coverage among the affected live instances.
 */
export interface ContainingAction {
  readonly kind: IncidentLinkKind;
  readonly actionId: string;
  /** The audience it affects; null: every audience. */
  readonly audience: string | null;
  /** When the authority accepted it. */
  readonly acceptedAt: Milliseconds;
  /** Its event's coverage; null while it has no event (not yet written to the outbox). */
  readonly coverage: EventCoverage | null;
}

export interface TimelineSources {
  readonly incident: IncidentWithLinks;
  readonly now: Milliseconds;
  readonly audit: readonly TimelineAuditEntry[];
  readonly approvals: readonly TimelineApproval[];
  readonly containing: readonly ContainingAction[];
  /** Live instances at `now`, for their audiences (services). */
  readonly live: readonly SidecarInstance[];
  readonly alerts: readonly TimelineAlert[];
  readonly blocked: readonly BlockedPresentation[];
}

export type TimelineEntry =
  | { readonly at: Milliseconds; readonly type: 'audit'; readonly seq: number; readonly action: string; readonly outcome: string; readonly target: string | null; readonly actor: Actor }
  | { readonly at: Milliseconds; readonly type: 'approval.requested' | 'approval.decided'; readonly approvalId: string; readonly action: string; readonly state: string; readonly by: string }
  | { readonly at: Milliseconds; readonly type: 'event.published'; readonly kind: IncidentLinkKind; readonly actionId: string; readonly eventId: string }
  | { readonly at: Milliseconds; readonly type: 'instance.applied'; readonly kind: IncidentLinkKind; readonly actionId: string; readonly instanceId: string; readonly audiences: readonly string[] }
  | { readonly at: Milliseconds; readonly type: 'alert'; readonly alertId: string; readonly kind: string; readonly severity: string; readonly summary: string; readonly count: number }
  | {
      readonly at: Milliseconds;
      readonly type: 'blocked';
      readonly instanceId: string;
      readonly code: string;
      readonly revocationId: string | null;
      readonly kid: string | null;
      readonly count: number;
      readonly windowStart: Milliseconds;
    };

/** Per instance of one service (audience): when it first and last applied a containing action. */
export interface InstanceProgress {
  readonly instanceId: string;
  readonly firstAppliedAt: Milliseconds | null;
  readonly lastAppliedAt: Milliseconds | null;
  /** Containing actions it has not applied yet (ids). */
  readonly pending: readonly string[];
}

export interface ServiceCoverage {
  readonly audience: string;
  readonly instances: readonly InstanceProgress[];
}

/** Why requests accepted after the revocation are, or are not, counted. */
export interface AcceptedAfterRevocation {
  readonly known: boolean;
  readonly count: number | null;
  readonly why: string | null;
}

export interface Containment {
  /** When the last affected live instance applied the last containing action; null while not contained. */
  readonly containedAt: Milliseconds | null;
  /** Why `containedAt` is null (null when it is set). */
  readonly why: string | null;
  readonly acceptedAfterRevocation: AcceptedAfterRevocation;
}

export interface IncidentTimeline {
  readonly entries: readonly TimelineEntry[];
  readonly coverage: readonly ServiceCoverage[];
  readonly containment: Containment;
}

/**
 * Sidecar reports count accepted verifications per window only in aggregate (`results.ok` of
 * `sidecar.blocked`), not per credential, so requests still accepted with the leaked credential
 * cannot be counted; answered as unknown, never as 0.
 */
export const ACCEPTED_AFTER_REVOCATION_UNKNOWN: AcceptedAfterRevocation = {
  known: false,
  count: null,
  why: 'sidecar reports count accepted requests per window in aggregate (results.ok), not per credential: requests accepted with the revoked credential after the revocation cannot be counted',
};

/** Order of entries at the same instant: the cause before its effects. */
const TYPE_ORDER: Readonly<Record<TimelineEntry['type'], number>> = {
  audit: 0,
  'approval.requested': 1,
  'approval.decided': 2,
  'event.published': 3,
  'instance.applied': 4,
  blocked: 5,
  alert: 6,
};

/**
 * Merges the recorded facts of one incident into one timeline (oldest first, ties broken cause
 * before effect, then by audit seq or id), its coverage per service, and its containment.
 */
export function buildIncidentTimeline(sources: TimelineSources): IncidentTimeline {
  const entries: TimelineEntry[] = [];
  for (const e of sources.audit) entries.push({ at: e.at, type: 'audit', seq: e.seq, action: e.action, outcome: e.outcome, target: e.target, actor: e.actor });
  for (const a of sources.approvals) {
    entries.push({ at: a.requestedAt, type: 'approval.requested', approvalId: a.id, action: a.action, state: a.state, by: a.requestedBy });
    if (a.decidedAt !== null) entries.push({ at: a.decidedAt, type: 'approval.decided', approvalId: a.id, action: a.action, state: a.state, by: a.decidedBy ?? 'unknown' });
  }
  const audiencesOf = new Map(sources.live.map((i) => [i.instanceId, i.audiences]));
  for (const c of sources.containing) {
    if (c.coverage === null) continue;
    if (c.coverage.publishedAt !== null) entries.push({ at: c.coverage.publishedAt, type: 'event.published', kind: c.kind, actionId: c.actionId, eventId: c.coverage.eventId });
    for (const applied of c.coverage.applied) {
      if (applied.appliedAt === null) continue;
      entries.push({ at: applied.appliedAt, type: 'instance.applied', kind: c.kind, actionId: c.actionId, instanceId: applied.instanceId, audiences: audiencesOf.get(applied.instanceId) ?? [] });
    }
  }
  for (const b of sources.blocked) {
    entries.push({ at: b.windowEnd, type: 'blocked', instanceId: b.instanceId, code: b.code, revocationId: b.revocationId, kid: b.kid, count: b.count, windowStart: b.windowStart });
  }
  for (const a of sources.alerts) entries.push({ at: a.firstSeen, type: 'alert', alertId: a.alertId, kind: a.kind, severity: a.severity, summary: a.summary, count: a.count });
  entries.sort((x, y) => x.at - y.at || TYPE_ORDER[x.type] - TYPE_ORDER[y.type] || tieKey(x).localeCompare(tieKey(y)));
  return { entries, coverage: serviceCoverage(sources), containment: containment(sources) };
}

function tieKey(entry: TimelineEntry): string {
  switch (entry.type) {
    case 'audit':
      return String(entry.seq).padStart(16, '0');
    case 'approval.requested':
    case 'approval.decided':
      return entry.approvalId;
    case 'event.published':
      return entry.actionId;
    case 'instance.applied':
      return `${entry.actionId} ${entry.instanceId}`;
    case 'blocked':
      return entry.instanceId;
    case 'alert':
      return entry.alertId;
  }
}

/** When each instance applied each containing action: ack time, or its start when it began with the event already there. */
function appliedTimes(containing: readonly ContainingAction[]): Map<string, Map<string, Milliseconds | null>> {
  const byInstance = new Map<string, Map<string, Milliseconds | null>>();
  const put = (instanceId: string, actionId: string, at: Milliseconds | null) => {
    const times = byInstance.get(instanceId) ?? new Map<string, Milliseconds | null>();
    times.set(actionId, at);
    byInstance.set(instanceId, times);
  };
  for (const c of containing) {
    for (const a of c.coverage?.applied ?? []) put(a.instanceId, c.actionId, a.appliedAt);
    for (const s of c.coverage?.coveredAtStart ?? []) put(s.instanceId, c.actionId, s.startedAt);
  }
  return byInstance;
}

function affects(action: ContainingAction, instance: SidecarInstance): boolean {
  return action.audience === null || instance.audiences.includes(action.audience);
}

function serviceCoverage(sources: TimelineSources): ServiceCoverage[] {
  const applied = appliedTimes(sources.containing);
  const byAudience = new Map<string, InstanceProgress[]>();
  for (const instance of sources.live) {
    const times = applied.get(instance.instanceId) ?? new Map<string, Milliseconds | null>();
    const known = [...times.values()].filter((t): t is Milliseconds => t !== null);
    const progress: InstanceProgress = {
      instanceId: instance.instanceId,
      firstAppliedAt: known.length === 0 ? null : Math.min(...known),
      lastAppliedAt: known.length === 0 ? null : Math.max(...known),
      pending: sources.containing.filter((c) => affects(c, instance) && !times.has(c.actionId)).map((c) => c.actionId),
    };
    const audiences = instance.audiences.length === 0 ? ['(none)'] : instance.audiences;
    for (const audience of audiences) byAudience.set(audience, [...(byAudience.get(audience) ?? []), progress]);
  }
  return [...byAudience.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([audience, instances]) => ({ audience, instances }));
}

function containment(sources: TimelineSources): Containment {
  const acceptedAfterRevocation = ACCEPTED_AFTER_REVOCATION_UNKNOWN;
  const notYet = (why: string): Containment => ({ containedAt: null, why, acceptedAfterRevocation });
  if (sources.containing.length === 0) return notYet('no containing action (revocation, key compromise, kill switch) is linked to the incident');
  const unwritten = sources.containing.filter((c) => c.coverage === null || c.coverage.publishedAt === null);
  if (unwritten.length > 0) return notYet(`not yet published: ${unwritten.map((c) => `${c.kind} ${c.actionId}`).join(', ')}`);
  if (sources.live.length === 0) return notYet('no live sidecar instance reports to the authority: nobody is known to enforce the containing actions');
  const pending = sources.containing.flatMap((c) => (c.coverage?.pending ?? []).map((p) => `${p.instanceId} (${c.kind} ${c.actionId})`));
  if (pending.length > 0) return notYet(`live instances have not acknowledged: ${pending.join(', ')}`);
  const times = [...appliedTimes(sources.containing).values()].flatMap((m) => [...m.values()]);
  if (times.some((t) => t === null)) return notYet('an instance holds a containing action without saying when it applied it');
  // Every live instance acknowledged every containing action: contained at the last of those moments.
  return { containedAt: Math.max(...(times as Milliseconds[])), why: null, acceptedAfterRevocation };
}
