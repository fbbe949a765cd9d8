import type { DrillInstance, DrillTimeline } from './drill-ports';
import type { DrillApproval, InstanceContainment, OverlookedItem } from './drill-result';
import type { ProbeWatch } from './probe-watch';

/** What {@link assessDrill} judges. */
export interface DrillMeasurements {
  readonly objectiveMs: number;
  readonly audience: string;
  readonly probes: readonly ProbeWatch[];
  /** Instances the authority knew at the start (live) and at the end (live or gone). */
  readonly instancesAtStart: readonly DrillInstance[];
  readonly instancesAtEnd: readonly DrillInstance[];
  /** Per instance id: acknowledgement delay, ms (see `acknowledgementDelays`). */
  readonly ackMs: ReadonlyMap<string, number | null>;
  /** Drill time the response was accepted, epoch ms. */
  readonly responseAt: number;
  /** Instances cut off by the drill or named stale by the operator, with why. */
  readonly knownStale: ReadonlyMap<string, string>;
  readonly approvals: readonly DrillApproval[];
  readonly timeline: DrillTimeline;
  readonly expectedAlerts: readonly string[];
}

export interface DrillAssessment {
  readonly instances: readonly InstanceContainment[];
  readonly alerts: readonly { readonly kind: string; readonly afterMs: number; readonly summary: string }[];
  readonly overlooked: readonly OverlookedItem[];
  readonly verdict: { readonly passed: boolean; readonly reasons: readonly string[] };
}

/**
 * Why the authority knows an instance runs fail-open (from its heartbeats), or undefined: a
 * fail-open instance keeps accepting a revoked credential whenever it goes stale, whatever this
 * drill measured.
 */
function failOpenOf(instance: DrillInstance | undefined): string | undefined {
  const staleness = instance?.staleness;
  if (staleness === undefined) return undefined;
  const reasons: string[] = [];
  if (staleness.policy === 'fail-open-UNSAFE') reasons.push('its default stale policy is fail-open-UNSAFE');
  if (staleness.failOpenAccepted > 0) reasons.push(`its fail-open routes accepted ${staleness.failOpenAccepted} token(s) while it was stale`);
  if (reasons.length === 0) return undefined;
  return `fail-open: ${reasons.join('; ')} (a stale instance accepts tokens it cannot check against revocations, the leaked one included)`;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;

/**
 * Judges a drill from its measurements: per instance whether it was contained within the
 * objective (refused the credential, accepted nothing after the deadline, acknowledged the
 * response), what was overlooked, and the verdict. Pure: the same measurements give the same
 * report.
 */
export function assessDrill(m: DrillMeasurements): DrillAssessment {
  const serving = (i: DrillInstance) => i.audiences.length === 0 || i.audiences.includes(m.audience);
  const endById = new Map(m.instancesAtEnd.map((i) => [i.instanceId, i]));
  const startLive = m.instancesAtStart.filter((i) => i.live && serving(i));
  const probedIds = new Set(m.probes.map((p) => p.instanceId).filter((id): id is string => id !== null));
  const overlooked: OverlookedItem[] = [];

  const judge = (instanceId: string | null, probe: ProbeWatch | undefined): InstanceContainment => {
    const known = instanceId === null ? undefined : (endById.get(instanceId) ?? m.instancesAtStart.find((i) => i.instanceId === instanceId));
    const ackMs = instanceId === null ? null : (m.ackMs.get(instanceId) ?? null);
    const firstRejectionMs = probe?.firstRejectionAt == null ? null : Math.max(0, probe.firstRejectionAt - m.responseAt);
    let stale = instanceId === null ? null : (m.knownStale.get(instanceId) ?? null);
    if (stale === null && probe?.rejectionCode === 'STALE_STATE') stale = 'refused with STALE_STATE: it has not heard from the authority within its staleness bound';
    if (stale === null && known?.staleness?.stale === true) {
      stale = `its heartbeat reports it stale: it has not heard from the authority within its staleness bound${known.staleness.policy === 'fail-open-UNSAFE' ? ', and its routes fail open' : ''}`;
    }
    if (stale === null && known !== undefined && !known.live && startLive.some((i) => i.instanceId === known.instanceId)) {
      stale = `stopped sending heartbeats during the drill (last one at ${new Date(known.lastHeartbeatAt).toISOString()})`;
    }
    const problems: string[] = [];
    if (probe !== undefined) {
      if (firstRejectionMs === null) problems.push(`still accepted the leaked credential ${seconds(m.objectiveMs)} after the response (${probe.acceptedAfterResponse} request(s) accepted)`);
      else if (firstRejectionMs > m.objectiveMs) problems.push(`first refused it after ${seconds(firstRejectionMs)}, past the ${seconds(m.objectiveMs)} objective`);
      if (probe.acceptedAfterDeadline > 0 && firstRejectionMs !== null) problems.push(`accepted it ${probe.acceptedAfterDeadline} time(s) after the deadline`);
      if (probe.firstRejectionAt === null && probe.unreachable > 0 && probe.acceptedAfterResponse === 0) problems.push('never answered the probe');
    }
    if (instanceId !== null && known !== undefined) {
      if (ackMs === null) problems.push('never acknowledged the response');
      else if (ackMs > m.objectiveMs) problems.push(`acknowledged after ${seconds(ackMs)}, past the objective`);
    }
    if (stale !== null && problems.length > 0) problems.push(`stale: ${stale}`);
    return {
      instanceId,
      url: probe?.url ?? null,
      firstRejectionMs,
      rejectionCode: probe?.rejectionCode ?? null,
      acceptedAfterResponse: probe === undefined ? null : probe.acceptedAfterResponse,
      acceptedAfterDeadline: probe === undefined ? null : probe.acceptedAfterDeadline,
      unreachable: probe?.unreachable ?? 0,
      ackMs,
      live: known === undefined ? null : (endById.get(known.instanceId)?.live ?? false),
      stale,
      contained: problems.length === 0,
      why: problems.length === 0 ? null : problems.join('; '),
    };
  };

  const instances: InstanceContainment[] = [
    ...m.probes.map((p) => judge(p.instanceId, p)),
    // Instances the authority lists for the audience that no probe reached: judged on their acknowledgement.
    ...startLive.filter((i) => !probedIds.has(i.instanceId)).map((i) => judge(i.instanceId, undefined)),
  ].sort((a, b) => (a.instanceId ?? a.url ?? '').localeCompare(b.instanceId ?? b.url ?? ''));

  for (const row of instances) {
    const subject = row.instanceId ?? row.url ?? '?';
    if (row.instanceId !== null && row.live !== null && row.ackMs === null) overlooked.push({ kind: 'never-acknowledged', subject, detail: 'no acknowledgement of the response reached the authority' });
    if (row.stale !== null) overlooked.push({ kind: 'stale', subject, detail: row.stale });
    const failOpen = row.instanceId === null ? undefined : failOpenOf(endById.get(row.instanceId) ?? m.instancesAtStart.find((i) => i.instanceId === row.instanceId));
    if (failOpen !== undefined) overlooked.push({ kind: 'fail-open', subject, detail: failOpen });
    if ((row.acceptedAfterDeadline ?? 0) > 0 || (row.url !== null && row.firstRejectionMs === null && (row.acceptedAfterResponse ?? 0) > 0)) {
      overlooked.push({ kind: 'accepted-after-deadline', subject, detail: `accepted the leaked credential ${row.acceptedAfterResponse ?? 0} time(s) after the response${row.firstRejectionMs === null ? ', and never refused it' : ''}` });
    }
    if (row.url === null) overlooked.push({ kind: 'not-probed', subject, detail: 'live for the audience but no probe URL reached it: whether it refuses the credential was not measured' });
    if (row.unreachable > 0) overlooked.push({ kind: 'unreachable', subject, detail: `${row.unreachable} probe(s) got no answer` });
  }

  // The approvals people had to give, slowest first (a drill self-approval waits for nobody).
  for (const approval of m.approvals.filter((a) => !a.selfApproved).sort((a, b) => b.waitedMs - a.waitedMs).slice(0, 3)) {
    overlooked.push({
      kind: 'slow-approval',
      subject: approval.id,
      detail: `${approval.action} waited ${seconds(approval.waitedMs)} for ${approval.selfApproved ? 'a drill self-approval' : `approval${approval.decidedBy === null ? '' : ` by ${approval.decidedBy}`}`}`,
    });
  }

  const acceptedAt = m.timeline.actions.map((a) => a.acceptedAt).filter((t): t is number => t !== null);
  const base = acceptedAt.length === 0 ? null : Math.min(...acceptedAt);
  // Alerts from before the response (an earlier drill's, still counting) say nothing about this one.
  const alerts = m.timeline.alerts.map((a) => ({ kind: a.kind, afterMs: base === null ? 0 : a.at - base, summary: a.summary })).filter((a) => a.afterMs >= 0);
  for (const kind of m.expectedAlerts) {
    const fired = alerts.filter((a) => a.kind === kind);
    if (fired.length === 0) overlooked.push({ kind: 'alert-missing', subject: kind, detail: `no ${kind} alert although the leaked credential was presented after the response` });
    else if (Math.min(...fired.map((a) => a.afterMs)) > m.objectiveMs) overlooked.push({ kind: 'alert-late', subject: kind, detail: `fired ${seconds(Math.min(...fired.map((a) => a.afterMs)))} after the response, past the objective` });
  }

  const reasons = instances.filter((i) => !i.contained).map((i) => `${i.instanceId ?? i.url}: ${i.why}`);
  if (instances.length === 0) reasons.push('nothing was measured: no probe URL and no live instance of the audience');
  return { instances, alerts, overlooked, verdict: { passed: reasons.length === 0, reasons } };
}
