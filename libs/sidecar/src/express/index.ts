import './express-request-augmentation';

export {
  revmeshExpress,
  type ExpressLikeNext,
  type ExpressLikeRequest,
  type ExpressLikeResponse,
  type RevmeshExpressOptions,
} from './revmesh-express';
export { revmeshExpressDrillProbe } from './express-drill-probe';
export { DRILL_PROBE_PATH, drillProbeAnswer, type DrillProbeAnswer } from '../drill-probe/drill-probe';
export { httpStatusOf, toHttpRejection, type HttpRejection, type ProblemDetails, type RejectionOptions } from '../internal/http/problem-details';
export type { RevmeshRequestContext } from '../internal/http/request-context';
