export {
  revmeshFastify,
  type FastifyLikeReply,
  type FastifyLikeRequest,
  type RevmeshFastifyOptions,
} from './revmesh-fastify';
export { httpStatusOf, toHttpRejection, type HttpRejection, type ProblemDetails, type RejectionOptions } from '../internal/http/problem-details';
export type { RevmeshRequestContext } from '../internal/http/request-context';
