/**
 * Breach drills: scripted incidents run against a live mesh through the normal operator path,
 * measuring per instance how fast a leaked credential stops working. The CLI (`revmesh drill
 * run`) and the demo wire {@link runDrill} with the HTTP adapters.
 */
export { runDrill, DRILL_TOKEN_SCOPE, type DrillDeps } from './run-drill';
export { resolveDrillOptions, restoreUrlOf, type DrillRunOptions } from './drill-options';
export { DRILL_SCENARIO_NAMES, type DrillScenarioName } from './scenarios/drill-scenario';
export { DRILL_SCENARIOS } from './scenarios/scenarios';
export type { DrillResult, InstanceContainment, OverlookedItem, DrillApproval } from './drill-result';
export {
  systemDrillClock,
  type DrillAction,
  type DrillActionOutcome,
  type DrillApprovalState,
  type DrillAuthority,
  type DrillClock,
  type DrillInstance,
  type DrillPolicy,
  type DrillTimeline,
  type InstanceProber,
  type ProbeAnswer,
} from './drill-ports';
export { DrillError, DrillAuthorityRefusedError, DrillApprovalNotGivenError, type DrillErrorCode } from './drill-errors';
export { renderContainmentTable, renderDrillReport } from './render-drill';
export { createHttpDrillAuthority, type AuthorityExchange, type HttpDrillAuthorityOptions } from './http/http-drill-authority';
export { createHttpProber, type HttpProberOptions } from './http/http-prober';
