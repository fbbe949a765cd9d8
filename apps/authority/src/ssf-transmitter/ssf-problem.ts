import {
  SsfReceiverForbiddenError,
  SsfReceiverUnauthorizedError,
  SsfRequestInvalidError,
  SsfStreamConflictError,
  SsfStreamNotFoundError,
  SsfTooManyRequestsError,
} from '@revmesh/authority-core';
import { ProblemException } from '../problems/problem';

/**
 * The transmitter's errors as problem+json, with the statuses SSF 1.0 §8.1 gives each case
 * (400, 401, 403, 404, 409, 429). Anything else goes on to the problem filter unchanged.
 */
export function ssfProblem(error: unknown): unknown {
  if (error instanceof SsfRequestInvalidError) return new ProblemException('INVALID_REQUEST', error.message, { errors: error.errors });
  if (error instanceof SsfReceiverUnauthorizedError) {
    // RFC 6750 §3: the scheme and why, so a receiver knows to fetch a new client-credentials token.
    return new ProblemException('UNAUTHORIZED', error.message, { headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } });
  }
  if (error instanceof SsfReceiverForbiddenError) {
    return new ProblemException('FORBIDDEN', error.message, { headers: { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${error.requiredScope}"` } });
  }
  if (error instanceof SsfStreamNotFoundError) return new ProblemException('NOT_FOUND', error.message);
  if (error instanceof SsfStreamConflictError) return new ProblemException('CONFLICT', error.message);
  if (error instanceof SsfTooManyRequestsError) return new ProblemException('TOO_MANY_REQUESTS', error.message, { headers: { 'Retry-After': String(error.retryAfterSeconds) } });
  return error;
}

/** Runs `f`, turning the transmitter's errors into problems. */
export async function ssfCall<T>(f: () => T | Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (error) {
    throw ssfProblem(error);
  }
}
