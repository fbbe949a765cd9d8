import { randomUUID } from 'node:crypto';
import { headerValue, type HttpReply, type HttpRequest } from '../http/http-types';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** What an incoming request id may be: 1..128 characters that are safe in logs and headers. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/**
 * The request's id: the caller's `X-Request-Id` when it is 1..128 safe characters (so a
 * caller can correlate its logs with the audit log), else a new UUID. Echoed in the response.
 */
export function assignRequestId(request: HttpRequest & { requestId?: string }, reply: HttpReply): string {
  if (request.requestId !== undefined) return request.requestId;
  const incoming = headerValue(request, REQUEST_ID_HEADER);
  const id = incoming !== undefined && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  request.requestId = id;
  reply.header(REQUEST_ID_HEADER, id);
  return id;
}
