import type { IncidentReportModel, IncidentReportService } from '@revmesh/contracts';

/** Status of an instance's bar, as the chart's legend says it. */
export const BAR_STATUSES = ['applied', 'late', 'covered at start', 'applied (time unknown)', 'never acknowledged (so far)'] as const;
export type BarStatus = (typeof BAR_STATUSES)[number];

const BAR_COLOURS: Readonly<Record<BarStatus, string>> = {
  applied: '#4c78a8',
  late: '#f58518',
  'covered at start': '#72b7b2',
  'applied (time unknown)': '#bab0ac',
  'never acknowledged (so far)': '#e45756',
};

/** One bar of the time-to-apply chart: one per instance of the service. */
export interface TimeToApplyBar {
  readonly instance: string;
  /** Time to apply (ms, at least 0); for an instance still pending, the time it has let pass so far. */
  readonly ms: number;
  readonly status: BarStatus;
}

/** The bars of a service's time-to-apply chart, one per instance, in the service's order. */
export function timeToApplyBars(service: IncidentReportService, model: IncidentReportModel): TimeToApplyBar[] {
  const acceptedAt = new Map(model.containing_actions.map((c) => [c.action_id, c.accepted_at]));
  return service.instances.map((i) => {
    if (i.status === 'pending') {
      const since = Math.min(...i.actions.filter((a) => a.status === 'pending').map((a) => acceptedAt.get(a.action_id) ?? model.generated_at));
      return { instance: i.instance_id, ms: Math.max(0, model.generated_at - since), status: 'never acknowledged (so far)' };
    }
    if (i.status === 'covered_at_start') return { instance: i.instance_id, ms: 0, status: 'covered at start' };
    if (i.time_to_apply_ms === null) return { instance: i.instance_id, ms: 0, status: 'applied (time unknown)' };
    // A negative time is the sidecar's clock behind the authority's: drawn as 0, listed as recorded in the tables.
    return { instance: i.instance_id, ms: Math.max(0, i.time_to_apply_ms), status: i.time_to_apply_ms > model.late_after_ms ? 'late' : 'applied' };
  });
}

/** Vega-Lite spec of the time-to-apply chart: one horizontal bar per instance, coloured by status. */
export function timeToApplySpec(service: IncidentReportService, model: IncidentReportModel): Record<string, unknown> {
  const bars = timeToApplyBars(service, model);
  const used = BAR_STATUSES.filter((s) => bars.some((b) => b.status === s));
  return {
    description: `Time to apply per instance of ${service.audience}`,
    width: 480,
    background: 'white',
    data: { values: bars },
    mark: { type: 'bar', tooltip: false },
    encoding: {
      y: { field: 'instance', type: 'nominal', sort: null, title: 'instance' },
      x: { field: 'ms', type: 'quantitative', title: 'time to apply after acceptance (ms)' },
      color: { field: 'status', type: 'nominal', title: 'status', scale: { domain: used, range: used.map((s) => BAR_COLOURS[s]) }, legend: { labelLimit: 320 } },
    },
  };
}

/** Vega-Lite spec of the coverage chart: how many instances had applied, over ms since the first containing action. */
export function coverageSpec(service: IncidentReportService): Record<string, unknown> {
  const start = service.coverage_over_time[0]?.at ?? 0;
  const of = service.coverage_over_time[0]?.of ?? service.instances.length;
  return {
    description: `Instances of ${service.audience} that had applied every containing action, over time`,
    width: 480,
    height: 160,
    background: 'white',
    data: { values: service.coverage_over_time.map((p) => ({ ms: p.at - start, applied: p.applied })) },
    mark: { type: 'line', interpolate: 'step-after', point: true, tooltip: false },
    encoding: {
      x: { field: 'ms', type: 'quantitative', title: 'ms after the first containing action was accepted' },
      y: { field: 'applied', type: 'quantitative', title: `instances applied (of ${of})`, scale: { domain: [0, Math.max(1, of)] }, axis: { tickMinStep: 1 } },
    },
  };
}

/** Draws the report's charts as SVG documents (inline-able; no scripts, fonts or links). */
export interface ChartRenderer {
  svg(spec: Record<string, unknown>): Promise<string>;
}

// vega and vega-lite ship ES modules only, and vega's Node build awaits at its top level (an
// optional canvas), so it cannot be require()d: loaded with a real import() once, on first use.
type VegaModules = readonly [typeof import('vega'), typeof import('vega-lite')];
let modules: Promise<VegaModules> | undefined;

/**
 * The default renderer: Vega-Lite compiled to Vega, rendered headless (`renderer: 'none'`) by
 * `view.toSVG()`. Vega escapes every text it draws; the data carry no URL, so nothing is fetched.
 */
export const vegaCharts: ChartRenderer = {
  async svg(spec) {
    modules ??= Promise.all([import('vega'), import('vega-lite')]);
    const [vega, vegaLite] = await modules;
    const view = new vega.View(vega.parse(vegaLite.compile(spec as never).spec), { renderer: 'none' });
    try {
      return await view.toSVG();
    } finally {
      view.finalize();
    }
  },
};
