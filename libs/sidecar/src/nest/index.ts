export { RevmeshGuard, type NestExecutionContextLike, type RevmeshGuardOptions } from './revmesh-guard';
export { TokenRejectedError } from '../errors/sidecar-errors';
export { httpStatusOf, toHttpRejection, type HttpRejection, type ProblemDetails, type RejectionOptions } from '../internal/http/problem-details';
export type { RevmeshRequestContext } from '../internal/http/request-context';
