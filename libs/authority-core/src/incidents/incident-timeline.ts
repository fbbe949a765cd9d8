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
  /**
   * Requests it accepted with a credential a linked revocation denies, after that revocation was
   * accepted and before it applied it (summed over the revocations it acknowledged; see
   * {@link AcceptedAfterRevocation}); null when it reported no count (an older sidecar, or no
   * revocation acknowledged by ack).
   */
  readonly acceptedAfterRevocation: number | null;
}

export interface ServiceCoverage {
  readonly audience: string;
  readonly instances: readonly InstanceProgress[];
}

/**
 * Requests accepted with a revoked credential after its revocation was accepted. Each sidecar
 * counts, when it applies a revocation, the requests it had accepted with a token that
 * revocation denies (same target and issuer; issued at or before its cut) whose accept time (its
 * clock) is after the revocation's acceptance (the authority's clock), from a bounded log of its
 * latest accepts (a lower bound if that log had already dropped some), and reports it with its ack.
 * After applying, the instance denies the credential, so the count is final for that instance.
 * `known`: every instance that acknowledged a linked revocation reported a count (instances that
 * started with it already published count 0: they never accepted the credential); `count`: the
 * sum of the reported counts (null when none was reported); `why`: what is missing.
 */
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

/** Counts come with revocation acks only: key compromises and kill switches are not counted. */
const NO_REVOCATION_LINKED: AcceptedAfterRevocation = {
  known: false,
  count: null,
  why: 'no revocation is linked to the incident: sidecars count accepted requests with the revoked credential for revocations only (not for key compromises or kill switches)',
};

/** Per instance, the summed counts of its revocation acks that carry one (instances without any are absent). */
export function acceptedAfterRevocationByInstance(containing: readonly ContainingAction[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const c of containing) {
    if (c.kind !== 'revocation') continue;
    for (const a of c.coverage?.applied ?? []) {
      if (a.acceptedAfterRevocation !== undefined) counts.set(a.instanceId, (counts.get(a.instanceId) ?? 0) + a.acceptedAfterRevocation);
    }
  }
  return counts;
}

/** See {@link AcceptedAfterRevocation}. */
function acceptedAfterRevocation(containing: readonly ContainingAction[]): AcceptedAfterRevocation {
  const revocations = containing.filter((c) => c.kind === 'revocation');
  if (revocations.length === 0) return NO_REVOCATION_LINKED;
  const counts = acceptedAfterRevocationByInstance(revocations);
  const unreported = new Set<string>();
  for (const c of revocations) {
    for (const a of c.coverage?.applied ?? []) if (a.acceptedAfterRevocation === undefined) unreported.add(a.instanceId);
  }
  const pending = new Set(revocations.flatMap((c) => (c.coverage?.pending ?? []).map((p) => p.instanceId)));
  const count = counts.size === 0 ? null : [...counts.values()].reduce((sum, n) => sum + n, 0);
  const missing: string[] = [];
  if (unreported.size > 0) missing.push(`acknowledged without a count (a sidecar older than the count): ${[...unreported].sort().join(', ')}`);
  if (pending.size > 0) missing.push(`not acknowledged yet: ${[...pending].sort().join(', ')}`);
  if (missing.length > 0) return { known: false, count, why: `${missing.join('; ')}${count === null ? '' : ' (count covers the other instances only)'}` };
  if (count === null && !revocations.some((c) => (c.coverage?.coveredAtStart.length ?? 0) > 0)) {
    return { known: false, count: null, why: 'no instance has applied a linked revocation yet' };
  }
  return { known: true, count: count ?? 0, why: null };
}

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
  const counts = acceptedAfterRevocationByInstance(sources.containing);
  const byAudience = new Map<string, InstanceProgress[]>();
  for (const instance of sources.live) {
    const times = applied.get(instance.instanceId) ?? new Map<string, Milliseconds | null>();
    const known = [...times.values()].filter((t): t is Milliseconds => t !== null);
    const progress: InstanceProgress = {
      instanceId: instance.instanceId,
      firstAppliedAt: known.length === 0 ? null : Math.min(...known),
      lastAppliedAt: known.length === 0 ? null : Math.max(...known),
      pending: sources.containing.filter((c) => affects(c, instance) && !times.has(c.actionId)).map((c) => c.actionId),
      acceptedAfterRevocation: counts.get(instance.instanceId) ?? null,
    };
    const audiences = instance.audiences.length === 0 ? ['(none)'] : instance.audiences;
    for (const audience of audiences) byAudience.set(audience, [...(byAudience.get(audience) ?? []), progress]);
  }
  return [...byAudience.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([audience, instances]) => ({ audience, instances }));
}

function containment(sources: TimelineSources): Containment {
  const accepted = acceptedAfterRevocation(sources.containing);
  const notYet = (why: string): Containment => ({ containedAt: null, why, acceptedAfterRevocation: accepted });
  if (sources.containing.length === 0) return notYet('no containing action (revocation, key compromise, kill switch) is linked to the incident');
  const unwritten = sources.containing.filter((c) => c.coverage === null || c.coverage.publishedAt === null);
  if (unwritten.length > 0) return notYet(`not yet published: ${unwritten.map((c) => `${c.kind} ${c.actionId}`).join(', ')}`);
  if (sources.live.length === 0) return notYet('no live sidecar instance reports to the authority: nobody is known to enforce the containing actions');
  const pending = sources.containing.flatMap((c) => (c.coverage?.pending ?? []).map((p) => `${p.instanceId} (${c.kind} ${c.actionId})`));
  if (pending.length > 0) return notYet(`live instances have not acknowledged: ${pending.join(', ')}`);
  const times = [...appliedTimes(sources.containing).values()].flatMap((m) => [...m.values()]);
  if (times.some((t) => t === null)) return notYet('an instance holds a containing action without saying when it applied it');
  // Every live instance acknowledged every containing action: contained at the last of those moments.
  return { containedAt: Math.max(...(times as Milliseconds[])), why: null, acceptedAfterRevocation: accepted };
}
