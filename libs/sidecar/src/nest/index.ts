export { RevmeshGuard, type NestExecutionContextLike, type RevmeshGuardOptions } from './revmesh-guard';
export { revmeshNestDrillProbe } from './nest-drill-probe';
export { DRILL_PROBE_PATH, drillProbeAnswer, type DrillProbeAnswer } from '../drill-probe/drill-probe';
export { TokenRejectedError } from '../errors/sidecar-errors';
export { httpStatusOf, toHttpRejection, type HttpRejection, type ProblemDetails, type RejectionOptions } from '../internal/http/problem-details';
export type { RevmeshRequestContext } from '../internal/http/request-context';
