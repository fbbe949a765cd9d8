import './express-request-augmentation';

export {
  revmeshExpress,
  type ExpressLikeNext,
  type ExpressLikeRequest,
  type ExpressLikeResponse,
  type RevmeshExpressOptions,
} from './revmesh-express';
export { httpStatusOf, toHttpRejection, type HttpRejection, type ProblemDetails, type RejectionOptions } from '../internal/http/problem-details';
export type { RevmeshRequestContext } from '../internal/http/request-context';
