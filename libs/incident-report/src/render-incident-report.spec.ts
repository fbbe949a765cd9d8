import { incidentReportSchema, type IncidentReportInstance, type IncidentReportModel } from '@revmesh/contracts';
import { timeToApplyBars, timeToApplySpec, type ChartRenderer } from './charts';
import { htmlText } from './html';
import { markdownText } from './markdown';
import { renderIncidentReport } from './render-incident-report';
import { REPORT_SECTIONS } from './report-document';

const T0 = Date.UTC(2030, 0, 1, 12);
const TITLE = 'leaked token <script>alert(1)</script> | "quoted" & more';

function instance(id: string, status: IncidentReportInstance['status'], ms: number | null, acceptedAfterRevocation: number | null = null): IncidentReportInstance {
  const at = status === 'pending' ? null : T0 + 10 + (ms ?? 0);
  return {
    instance_id: id,
    audiences: ['orders'],
    status,
    time_to_apply_ms: ms,
    applied_at: at,
    last_heartbeat_at: T0 + 9000,
    accepted_after_revocation: acceptedAfterRevocation,
    gone: status === 'pending',
    actions: [{ kind: 'revocation', action_id: 'rev-1', status, applied_at: at, time_to_apply_ms: ms }],
  };
}

const model: IncidentReportModel = incidentReportSchema.parse({
  format_version: 1,
  generated_at: T0 + 10_000,
  late_after_ms: 1000,
  incident: { id: 'inc-1', title: TITLE, severity: 'high', owner: 'alice', kind: 'incident', status: 'open', created_at: T0, updated_at: T0, links: [{ kind: 'revocation', id: 'rev-1', linked_at: T0 + 10 }] },
  summary: {
    opened_at: T0,
    resolved_at: null,
    contained_at: null,
    time_to_contain_ms: null,
    not_contained_why: 'live instances have not acknowledged: o-3 (revocation rev-1)',
    containing_actions: 1,
    services: 1,
    instances: 4,
    instances_pending: 1,
    approvals: 1,
    alerts: 0,
    open_follow_ups: 1,
  },
  timeline: [
    { at: T0, type: 'audit', seq: 1, action: 'incidents.open', outcome: 'succeeded', target: 'inc-1', actor: { kind: 'operator', id: 'alice' } },
    { at: T0 + 40, type: 'instance.applied', kind: 'revocation', action_id: 'rev-1', instance_id: 'o-1', audiences: ['orders'] },
  ],
  decisions: [
    { seq: 2, at: T0 + 10, action: 'revocations.create', outcome: 'succeeded', actor: { kind: 'operator', id: 'alice' }, role: 'responder', target: 'rev-1', justification: 'leaked in <b>CI</b>\n| injected |' },
  ],
  approvals: [{ id: 'ap-1', action: 'kill-switch.engage', state: 'executed', requested_at: T0 + 5, requested_by: 'alice', decided_at: T0 + 65, decided_by: 'bob', wait_ms: 60 }],
  containing_actions: [{ kind: 'revocation', action_id: 'rev-1', audience: null, accepted_at: T0 + 10, event_id: 'ev-1', published_at: T0 + 20 }],
  containment: [
    {
      audience: 'orders',
      instances: [instance('o-1', 'applied', 30, 3), instance('o-2', 'applied', 2500), instance('o-3', 'pending', null), instance('o-4', 'covered_at_start', null)],
      coverage_over_time: [
        { at: T0 + 10, applied: 0, of: 4 },
        { at: T0 + 40, applied: 1, of: 4 },
      ],
      contained_at: null,
    },
  ],
  anomalies: [],
  overlooked: {
    never_acknowledged: [{ instance_id: 'o-3', audiences: ['orders'], pending: ['rev-1'], last_heartbeat_at: T0 + 9000, gone: true }],
    late: [{ instance_id: 'o-2', audiences: ['orders'], time_to_apply_ms: 2500 }],
    accepted_after_revocation: { known: false, count: null, why: 'counted in aggregate only' },
    notes: [],
  },
  follow_ups: [{ id: 'fu-1', text: 'page on <missing> acks', owner: 'sre', status: 'open', created_at: T0 + 9000, created_by: 'alice', done_at: null, done_by: null }],
});

/** Records the specs it is asked to draw and answers a marker per chart. */
function fakeCharts(): ChartRenderer & { specs: Record<string, unknown>[] } {
  const specs: Record<string, unknown>[] = [];
  return { specs, svg: async (spec) => (specs.push(spec), `<svg data-fake="${specs.length}"></svg>`) };
}

describe('renderIncidentReport', () => {
  it('json is the model itself', async () => {
    expect(JSON.parse(await renderIncidentReport(model, 'json'))).toEqual(model);
  });

  it('md has every section in order, the text bars and the overlooked instances', async () => {
    const md = await renderIncidentReport(model, 'md');
    const headings = md.split('\n').filter((l) => l.startsWith('## '));
    expect(headings).toEqual(Object.values(REPORT_SECTIONS).map((t) => `## ${t}`));
    expect(md).toMatch(/^o-2 +█+ +2500 ms +late$/m);
    expect(md).toMatch(/^o-3 +█+ +9990 ms +never acknowledged \(so far\)$/m);
    expect(md).toContain('| o-3 | orders | rev-1 |');
    // Per instance: what its ack counted, unknown when its sidecar reported no count.
    expect(md).toMatch(/^\| o-1 \| applied \| 30 ms \| [^|]+ \| 3 \|/m);
    expect(md).toMatch(/^\| o-2 \| applied \| [^|]+ \| [^|]+ \| unknown \|/m);
    expect(md).toContain('Unknown: counted in aggregate only.');
    expect(md).toContain('| open | page on &lt;missing&gt; acks | sre |');
  });

  it('md keeps recorded text inert: no raw HTML, no broken table cell', async () => {
    const md = await renderIncidentReport(model, 'md');
    expect(md).not.toMatch(/<script|<b>/);
    expect(md).toContain('# Post-incident report: leaked token &lt;script&gt;alert(1)&lt;/script&gt; \\| "quoted" &amp; more');
    expect(md).toContain('| leaked in &lt;b&gt;CI&lt;/b&gt; \\| injected \\| |');
    expect(markdownText('- a list?')).toBe('\\- a list?');
    expect(markdownText('# heading?')).toBe('\\# heading?');
  });

  it('html is one page with every section, a chart pair per service, and recorded text escaped', async () => {
    const charts = fakeCharts();
    const html = await renderIncidentReport(model, 'html', { charts });
    for (const id of Object.keys(REPORT_SECTIONS)) expect(html).toContain(`<h2 id="${id}">`);
    expect(html).toContain('<title>Post-incident report: leaked token &lt;script&gt;alert(1)&lt;/script&gt; | &quot;quoted&quot; &amp; more</title>');
    expect(html).not.toMatch(/<script|<b>/);
    expect(html).not.toMatch(/(src|href)=/);
    expect(html).toContain(`Content-Security-Policy" content="default-src 'none'`);
    expect(html).toContain('<figure class="chart" data-chart="time-to-apply" data-audience="orders"><svg data-fake="1"></svg>');
    expect(html).toContain('<figure class="chart" data-chart="coverage" data-audience="orders"><svg data-fake="2"></svg>');
    expect(charts.specs).toHaveLength(2);
    expect(htmlText(`"'<&>`)).toBe('&quot;&#39;&lt;&amp;&gt;');
  });
});

describe('time-to-apply chart', () => {
  it('has one bar per instance: late and never-acknowledged ones coloured apart, pending ones as long as they waited', () => {
    const service = model.containment[0]!;
    const bars = timeToApplyBars(service, model);
    expect(bars).toEqual([
      { instance: 'o-1', ms: 30, status: 'applied' },
      { instance: 'o-2', ms: 2500, status: 'late' },
      { instance: 'o-3', ms: 9990, status: 'never acknowledged (so far)' },
      { instance: 'o-4', ms: 0, status: 'covered at start' },
    ]);
    const spec = timeToApplySpec(service, model) as { data: { values: unknown[] }; encoding: { color: { scale: { domain: string[] } } } };
    expect(spec.data.values).toHaveLength(service.instances.length);
    expect(spec.encoding.color.scale.domain).toEqual(['applied', 'late', 'covered at start', 'never acknowledged (so far)']);
  });
});
