import { DrillError } from './drill-errors';
import { DRILL_SCENARIO_NAMES, type DrillScenarioName } from './scenarios/drill-scenario';

/** What to drill, where. Defaults are documented per field and applied by {@link resolveDrillOptions}. */
export interface DrillRunOptions {
  readonly scenario: DrillScenarioName;
  /** The audience (service) whose instances are drilled; the canary's tokens are for it. */
  readonly audience: string;
  /** URLs that accept a bearer token: a probe endpoint (demo-api: `/_revmesh/probe`) or real requests. */
  readonly probeUrls: readonly string[];
  /**
   * Drill switches that cut an instance off the broker (`POST`, demo-api with
   * `REVMESH_DRILL_SWITCH_UNSAFE=true`: `http://host:port/_revmesh/drill/cut-off`); restored
   * afterwards at the same URL ending `/restore`. For `stale-sidecar`.
   */
  readonly cutOffUrls?: readonly string[];
  /** Instance ids the operator knows are cut off already (`stale-sidecar` without a switch). */
  readonly staleInstances?: readonly string[];
  /** Recorded with every write the drill makes (prefixed with the scenario). */
  readonly justification: string;
  /** Pause between two probes of one URL, ms. Default 20. */
  readonly probeIntervalMs?: number;
  /** Pause between two reads of the incident's timeline, ms. Default 200. */
  readonly timelinePollMs?: number;
  /** How long a response waits for a second security-admin's approval, ms. Default 900000 (15 min). */
  readonly approvalTimeoutMs?: number;
}

export type ResolvedDrillOptions = Required<Omit<DrillRunOptions, 'cutOffUrls' | 'staleInstances'>> & {
  readonly cutOffUrls: readonly string[];
  readonly staleInstances: readonly string[];
};

const CUT_OFF_SUFFIX = '/cut-off';

/** The restore switch of a cut-off URL (`…/cut-off` → `…/restore`). */
export function restoreUrlOf(cutOffUrl: string): string {
  const url = new URL(cutOffUrl);
  url.pathname = `${url.pathname.slice(0, -CUT_OFF_SUFFIX.length)}/restore`;
  return url.href;
}

function httpUrl(value: string, what: string, problems: string[]): void {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.push(`${what} ${value}: must be http(s)`);
  } catch {
    problems.push(`${what} ${JSON.stringify(value)}: not a URL`);
  }
}

/** Checks the options and fills the defaults; every problem is named at once. */
export function resolveDrillOptions(options: DrillRunOptions): ResolvedDrillOptions {
  const problems: string[] = [];
  if (!(DRILL_SCENARIO_NAMES as readonly string[]).includes(options.scenario)) problems.push(`scenario ${JSON.stringify(options.scenario)}: must be one of ${DRILL_SCENARIO_NAMES.join(', ')}`);
  if (typeof options.audience !== 'string' || options.audience.trim() === '') problems.push('audience: must name the service (audience) to drill');
  for (const url of options.probeUrls) httpUrl(url, 'probe URL', problems);
  for (const url of options.cutOffUrls ?? []) {
    httpUrl(url, 'cut-off URL', problems);
    if (!url.replace(/[?#].*$/, '').endsWith(CUT_OFF_SUFFIX)) problems.push(`cut-off URL ${url}: must end with ${CUT_OFF_SUFFIX} (its restore switch is the same path ending /restore)`);
  }
  if (options.scenario === 'stale-sidecar' && (options.cutOffUrls ?? []).length === 0 && (options.staleInstances ?? []).length === 0) {
    problems.push('stale-sidecar needs an instance cut off from the broker: give a cut-off URL (a demo-api with REVMESH_DRILL_SWITCH_UNSAFE=true: http://host:port/_revmesh/drill/cut-off) or name an instance known stale');
  }
  const positive = (value: number | undefined, name: string, fallback: number) => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < 1) problems.push(`${name}: must be a whole number of ms, at least 1`);
    return value;
  };
  const resolved: ResolvedDrillOptions = {
    scenario: options.scenario,
    audience: options.audience,
    probeUrls: options.probeUrls,
    cutOffUrls: options.cutOffUrls ?? [],
    staleInstances: options.staleInstances ?? [],
    justification: options.justification,
    probeIntervalMs: positive(options.probeIntervalMs, 'probeIntervalMs', 20),
    timelinePollMs: positive(options.timelinePollMs, 'timelinePollMs', 200),
    approvalTimeoutMs: positive(options.approvalTimeoutMs, 'approvalTimeoutMs', 900_000),
  };
  if (problems.length > 0) throw new DrillError('DRILL_OPTIONS_INVALID', `invalid drill options:\n  ${problems.join('\n  ')}`);
  return resolved;
}
