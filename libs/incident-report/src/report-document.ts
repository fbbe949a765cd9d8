import type { IncidentReportModel, IncidentReportService } from '@revmesh/contracts';
import { coverageSpec, timeToApplyBars, timeToApplySpec, type TimeToApplyBar } from './charts';
import { describeEntry, duration, isoTime } from './text';

/**
 * The report as a list of blocks, written once and serialised as Markdown or HTML. Every string
 * is plain text taken from the record: each serialiser escapes it for its own syntax.
 */
export type ReportBlock =
  | { readonly kind: 'heading'; readonly level: 1 | 2 | 3; readonly text: string; readonly id?: string }
  | { readonly kind: 'paragraph'; readonly text: string }
  | { readonly kind: 'list'; readonly items: readonly string[] }
  | { readonly kind: 'table'; readonly columns: readonly string[]; readonly rows: readonly (readonly string[])[] }
  | { readonly kind: 'time-to-apply-chart'; readonly audience: string; readonly spec: Record<string, unknown>; readonly bars: readonly TimeToApplyBar[] }
  | { readonly kind: 'coverage-chart'; readonly audience: string; readonly spec: Record<string, unknown> };

/** Section ids, in order (HTML anchors; the Markdown headings carry the same names). */
export const REPORT_SECTIONS = {
  summary: 'Summary',
  timeline: 'Timeline',
  decisions: 'Decisions and approvals',
  containment: 'Containment per service',
  anomalies: 'Anomalies',
  overlooked: 'What was overlooked',
  'follow-ups': 'Follow-ups',
} as const;

const none = (text: string): ReportBlock => ({ kind: 'paragraph', text });

function summary(m: IncidentReportModel): ReportBlock[] {
  const s = m.summary;
  const contained =
    s.contained_at === null ? `not contained: ${s.not_contained_why ?? 'unknown'}` : `${isoTime(s.contained_at)} (${duration(s.time_to_contain_ms)} after the incident was opened)`;
  return [
    {
      kind: 'table',
      columns: ['', ''],
      rows: [
        ['Incident', m.incident.id],
        ['Title', m.incident.title],
        ['Kind', m.incident.kind],
        ['Severity', m.incident.severity],
        ['Status', m.incident.status],
        ['Owner', m.incident.owner],
        ['Opened', isoTime(s.opened_at)],
        ['Contained', contained],
        ['Resolved', isoTime(s.resolved_at)],
        ['Containing actions', String(s.containing_actions)],
        ['Services / instances', `${s.services} / ${s.instances} (${s.instances_pending} never acknowledged)`],
        ['Approvals / alerts', `${s.approvals} / ${s.alerts}`],
        ['Open follow-ups', String(s.open_follow_ups)],
        ['Report generated', isoTime(m.generated_at)],
      ],
    },
  ];
}

function timeline(m: IncidentReportModel): ReportBlock[] {
  if (m.timeline.length === 0) return [none('Nothing recorded.')];
  return [{ kind: 'table', columns: ['time (UTC)', 'since opening', 'what'], rows: m.timeline.map((e) => [isoTime(e.at), duration(e.at - m.incident.created_at), describeEntry(e)]) }];
}

function decisions(m: IncidentReportModel): ReportBlock[] {
  const blocks: ReportBlock[] = [{ kind: 'heading', level: 3, text: 'Who did what, and why' }];
  blocks.push(
    m.decisions.length === 0
      ? none('No audited action.')
      : {
          kind: 'table',
          columns: ['time (UTC)', 'who', 'role', 'action', 'outcome', 'target', 'justification'],
          rows: m.decisions.map((d) => [isoTime(d.at), `${d.actor.kind} ${d.actor.id}`, d.role ?? '-', d.action, d.outcome, d.target ?? '-', d.justification ?? '-']),
        },
  );
  blocks.push({ kind: 'heading', level: 3, text: 'Approvals' });
  blocks.push(
    m.approvals.length === 0
      ? none('No approval was needed.')
      : {
          kind: 'table',
          columns: ['approval', 'action', 'requested (UTC)', 'by', 'decided (UTC)', 'by', 'state', 'waited'],
          rows: m.approvals.map((a) => [a.id, a.action, isoTime(a.requested_at), a.requested_by, isoTime(a.decided_at), a.decided_by ?? '-', a.state, duration(a.wait_ms)]),
        },
  );
  return blocks;
}

function service(s: IncidentReportService, m: IncidentReportModel): ReportBlock[] {
  return [
    { kind: 'heading', level: 3, text: s.audience },
    none(s.contained_at === null ? 'Not contained: an instance never acknowledged.' : `Contained at ${isoTime(s.contained_at)}.`),
    { kind: 'time-to-apply-chart', audience: s.audience, spec: timeToApplySpec(s, m), bars: timeToApplyBars(s, m) },
    {
      kind: 'table',
      columns: ['instance', 'status', 'time to apply', 'applied at (UTC)', 'accepted after revocation', 'last heartbeat (UTC)', 'reporting now'],
      rows: s.instances.map((i) => [
        i.instance_id,
        i.status,
        duration(i.time_to_apply_ms),
        isoTime(i.applied_at),
        // Null or absent: the instance's sidecar (or the authority) predates the count.
        i.accepted_after_revocation === null || i.accepted_after_revocation === undefined ? 'unknown' : String(i.accepted_after_revocation),
        isoTime(i.last_heartbeat_at),
        i.gone ? 'no (gone)' : 'yes',
      ]),
    },
    { kind: 'coverage-chart', audience: s.audience, spec: coverageSpec(s) },
    {
      kind: 'table',
      columns: ['time (UTC)', 'since first acceptance', 'instances applied'],
      rows: s.coverage_over_time.map((p) => [isoTime(p.at), duration(p.at - (s.coverage_over_time[0]?.at ?? p.at)), `${p.applied} of ${p.of}`]),
    },
  ];
}

function containment(m: IncidentReportModel): ReportBlock[] {
  const actions: ReportBlock =
    m.containing_actions.length === 0
      ? none('No containing action (revocation, key compromise, kill switch) is linked.')
      : {
          kind: 'table',
          columns: ['action', 'id', 'audience', 'accepted (UTC)', 'published (UTC)', 'event'],
          rows: m.containing_actions.map((c) => [c.kind, c.action_id, c.audience ?? 'every audience', isoTime(c.accepted_at), isoTime(c.published_at), c.event_id ?? '-']),
        };
  return [actions, ...m.containment.flatMap((s) => service(s, m))];
}

function anomalies(m: IncidentReportModel): ReportBlock[] {
  if (m.anomalies.length === 0) return [none('No anomaly alert was raised while the incident was open.')];
  return [{ kind: 'table', columns: ['first seen (UTC)', 'kind', 'severity', 'summary', 'count'], rows: m.anomalies.map((a) => [isoTime(a.first_seen), a.kind, a.severity, a.summary, String(a.count)]) }];
}

function overlooked(m: IncidentReportModel): ReportBlock[] {
  const o = m.overlooked;
  const accepted = o.accepted_after_revocation;
  return [
    { kind: 'heading', level: 3, text: 'Instances that never acknowledged' },
    o.never_acknowledged.length === 0
      ? none('None: every instance acknowledged.')
      : {
          kind: 'table',
          columns: ['instance', 'audiences', 'pending actions', 'last heartbeat (UTC)', 'reporting now'],
          rows: o.never_acknowledged.map((i) => [i.instance_id, i.audiences.join(', '), i.pending.join(', '), isoTime(i.last_heartbeat_at), i.gone ? 'no (gone)' : 'yes']),
        },
    { kind: 'heading', level: 3, text: `Late instances (slower than ${duration(m.late_after_ms)})` },
    o.late.length === 0
      ? none('None.')
      : { kind: 'table', columns: ['instance', 'audiences', 'time to apply'], rows: o.late.map((i) => [i.instance_id, i.audiences.join(', '), duration(i.time_to_apply_ms)]) },
    { kind: 'heading', level: 3, text: 'Requests accepted after the revocation' },
    none(
      accepted.known
        ? `${accepted.count ?? 0} request(s) were accepted with the revoked credential after its revocation (as each instance counted when it applied it).`
        : `Unknown: ${accepted.why ?? 'not recorded'}.${accepted.count === null ? '' : ` The instances that reported counted ${accepted.count}.`}`,
    ),
    { kind: 'heading', level: 3, text: 'Other findings' },
    o.notes.length === 0 ? none('None.') : { kind: 'list', items: o.notes },
  ];
}

function followUps(m: IncidentReportModel): ReportBlock[] {
  if (m.follow_ups.length === 0) return [none(`None yet. Add one: revmesh incident follow-up add ${m.incident.id} "what to do" --owner "who" -j "why"`)];
  return [
    {
      kind: 'table',
      columns: ['status', 'follow-up', 'owner', 'added (UTC)', 'by', 'done (UTC)', 'by', 'id'],
      rows: m.follow_ups.map((f) => [f.status, f.text, f.owner ?? '-', isoTime(f.created_at), f.created_by, isoTime(f.done_at), f.done_by ?? '-', f.id]),
    },
  ];
}

const SECTION_BLOCKS: Readonly<Record<keyof typeof REPORT_SECTIONS, (m: IncidentReportModel) => ReportBlock[]>> = {
  summary,
  timeline,
  decisions,
  containment,
  anomalies,
  overlooked,
  'follow-ups': followUps,
};

/** The report's blocks: a title, then each of {@link REPORT_SECTIONS} in order. */
export function reportDocument(m: IncidentReportModel): ReportBlock[] {
  const blocks: ReportBlock[] = [{ kind: 'heading', level: 1, text: `Post-incident report: ${m.incident.title}` }];
  for (const [id, title] of Object.entries(REPORT_SECTIONS) as [keyof typeof REPORT_SECTIONS, string][]) {
    blocks.push({ kind: 'heading', level: 2, text: title, id }, ...SECTION_BLOCKS[id](m));
  }
  return blocks;
}
