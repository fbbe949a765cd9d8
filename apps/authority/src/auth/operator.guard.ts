import { Inject, Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  OperatorTokenInvalidError,
  roleAtLeast,
  type AuditContext,
  type AuthorityCore,
  type Role,
} from '@revmesh/authority-core';
import type { Actor } from '@revmesh/contracts';
import { AUTHORITY_CORE } from '../core/core.tokens';
import { headerValue, type HttpReply } from '../http/http-types';
import { ProblemException, type ProblemCode } from '../problems/problem';
import { auditAnonymousRefusal, auditRefusal } from './audit-refusal';
import { takeJustification } from './justification';
import type { OperatorPrincipal, OperatorRequest } from './operator-request';
import { IS_PUBLIC } from './public.decorator';
import { assignRequestId } from './request-id';
import { REQUIRED_ROLE } from './require-role.decorator';
import { IS_SESSION_ROUTE } from './session-route.decorator';

const REALM = 'Bearer realm="revmesh-operator"';
const READ_METHODS = new Set(['GET', 'HEAD']);
/** Who a refusal is attributed to when no valid operator token came with it. */
const UNAUTHENTICATED: Actor = { kind: 'operator', id: '(unauthenticated)' };

/**
 * The global guard. Every route needs a valid operator token unless it is {@link Public}:
 * - no or invalid token (expired, logged out, operator disabled) → 401 UNAUTHORIZED;
 * - role below the route's ({@link RequireRole}; default: reads `viewer`, anything else
 *   `security-admin`) → 403 FORBIDDEN;
 * - writes (any method but GET/HEAD, except {@link SessionRoute}s) need a second factor younger
 *   than `policy.operators.stepUpWindowSeconds` (else 401 STEP_UP_REQUIRED) and a body
 *   `justification` (else 400 JUSTIFICATION_REQUIRED), which is moved into the audit context.
 * Every refusal of an operator is written to the audit log (outcome `denied`); refusals without a
 * valid token within the budget every unauthenticated route shares (authority-core's
 * `UNAUTHENTICATED_REFUSALS_AUDITED_PER_MINUTE`), the rest counted into the next one. Every
 * request, public or not, gets a request id, echoed in `X-Request-Id`.
 */
@Injectable()
export class OperatorGuard implements CanActivate {
  private readonly logger = new Logger('OperatorGuard');

  constructor(
    private readonly reflector: Reflector,
    @Inject(AUTHORITY_CORE) private readonly core: AuthorityCore,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<OperatorRequest>();
    const requestId = assignRequestId(request, http.getResponse<HttpReply>());
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets) === true) return true;

    const sourceAddress = request.ip ?? null;
    const refuse = (code: ProblemCode, detail: string, reason: string, who?: OperatorPrincipal, headers?: Record<string, string>): never => {
      // Anonymous refusals are audited within a budget (anyone can send them); operators' always.
      this.auditRefusal(request, code, reason, who === undefined, {
        actor: who === undefined ? UNAUTHENTICATED : { kind: 'operator', id: who.username },
        role: who?.role ?? null,
        justification: null,
        requestId,
        sourceAddress,
      });
      throw new ProblemException(code, detail, headers === undefined ? {} : { headers });
    };

    const authorization = headerValue(request, 'authorization');
    const match = authorization === undefined ? null : /^Bearer +(\S+) *$/i.exec(authorization);
    if (match === null) {
      return refuse('UNAUTHORIZED', 'send an operator token as "Authorization: Bearer <token>" (POST /v1/login)', 'no bearer token', undefined, {
        'WWW-Authenticate': REALM,
      });
    }
    let principal: OperatorPrincipal;
    try {
      principal = await this.core.operators.authenticate(match[1] ?? '');
    } catch (error) {
      if (!(error instanceof OperatorTokenInvalidError)) throw error;
      return refuse('UNAUTHORIZED', 'the operator token is not valid (expired, logged out, or its operator disabled): log in again', error.reason, undefined, {
        'WWW-Authenticate': `${REALM}, error="invalid_token"`,
      });
    }

    const read = READ_METHODS.has(request.method.toUpperCase());
    const required = this.reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, targets) ?? (read ? 'viewer' : 'security-admin');
    if (!roleAtLeast(principal.role, required)) {
      return refuse('FORBIDDEN', `this needs the ${required} role; ${principal.username} is ${principal.role}`, `role below ${required}`, principal);
    }

    let justification: string | null = null;
    const sessionRoute = this.reflector.getAllAndOverride<boolean | undefined>(IS_SESSION_ROUTE, targets) === true;
    if (!read && !sessionRoute) {
      const policy = this.core.securityPolicy.current();
      const windowSeconds = policy.operators.stepUpWindowSeconds;
      if (this.core.clock.now() - principal.authTime > windowSeconds * 1000) {
        // RFC 9470: the client learns how fresh the authentication must be.
        return refuse(
          'STEP_UP_REQUIRED',
          `write actions need a second factor from the last ${windowSeconds} s: POST /v1/login/step-up with a current code`,
          'second factor too old',
          principal,
          { 'WWW-Authenticate': `${REALM}, error="insufficient_user_authentication", max_age=${windowSeconds}` },
        );
      }
      const taken = takeJustification(request.body, policy.justification.minLength);
      if (!taken.ok) return refuse('JUSTIFICATION_REQUIRED', taken.detail, 'no valid justification', principal);
      justification = taken.justification;
    }

    request.revmesh = {
      principal,
      audit: { actor: { kind: 'operator', id: principal.username }, role: principal.role, justification, requestId, sourceAddress },
    };
    return true;
  }

  private auditRefusal(request: OperatorRequest, code: ProblemCode, reason: string, anonymous: boolean, context: AuditContext): void {
    const q = request.url.indexOf('?');
    const path = q === -1 ? request.url : request.url.slice(0, q);
    const entry = { action: 'access.denied', target: `${request.method} ${path}`, context, details: { code, reason } };
    (anonymous ? auditAnonymousRefusal : auditRefusal)(this.core, this.logger, entry);
  }
}
