export {
  revmeshFastify,
  type FastifyLikeReply,
  type FastifyLikeRequest,
  type RevmeshFastifyOptions,
} from './revmesh-fastify';
export { revmeshFastifyDrillProbe, type FastifyDrillProbeRoute } from './fastify-drill-probe';
export { DRILL_PROBE_PATH, drillProbeAnswer, type DrillProbeAnswer } from '../drill-probe/drill-probe';
export { httpStatusOf, toHttpRejection, type HttpRejection, type ProblemDetails, type RejectionOptions } from '../internal/http/problem-details';
export type { RevmeshRequestContext } from '../internal/http/request-context';
