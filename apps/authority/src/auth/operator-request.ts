import type { AuditContext, AuthenticatedOperator, RequestOrigin } from '@revmesh/authority-core';
import type { HttpRequest } from '../http/http-types';

/**
 * The operator behind a request, from a verified operator token whose session is open:
 * operatorId, username, role (as stored now), sessionId (`sid`), authTime (`auth_time`, ms),
 * sessionExpiresAt (ms).
 */
export type OperatorPrincipal = AuthenticatedOperator;

/** What the guard attaches to a request it let through. */
export interface OperatorRequestState {
  readonly principal: OperatorPrincipal;
  /** Actor, role, justification (writes only), request id and address, for the audit log. */
  readonly audit: AuditContext;
}

/** A request as the guard leaves it. */
export interface OperatorRequest extends HttpRequest {
  revmesh?: OperatorRequestState;
  /** Set by the guard on every route, public ones too (see request-id.ts). */
  requestId?: string;
  readonly ip?: string;
  readonly id?: string;
}

/**
 * The audit context of a request that passed the operator guard.
 * @throws {Error} on a route the guard did not cover (a programming error, never user input).
 */
export function auditContextOf(request: OperatorRequest): AuditContext {
  const state = request.revmesh;
  if (state === undefined) throw new Error(`no operator on ${request.method} ${request.url}: is the route public?`);
  return state.audit;
}

/** The operator of a request that passed the operator guard. */
export function principalOf(request: OperatorRequest): OperatorPrincipal {
  const state = request.revmesh;
  if (state === undefined) throw new Error(`no operator on ${request.method} ${request.url}: is the route public?`);
  return state.principal;
}

/** Where a request comes from, for public routes (login, bootstrap) that have no operator yet. */
export function requestOriginOf(request: OperatorRequest): RequestOrigin {
  return { requestId: request.requestId ?? null, sourceAddress: request.ip ?? null };
}
