import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import {
  AuthorityError,
  ClientAuthenticationError,
  IncidentLinkTargetUnknownError,
  IncidentTransitionError,
  IncidentUnknownError,
  IssuerNotTrustedError,
  KeyStateConflictError,
  LoginThrottledError,
  RevocationBatchInvalidError,
  RevocationBatchNeedsApprovalError,
  STORE_RETRY_AFTER_SECONDS,
  storeUnavailableReason,
  type BatchItemError,
} from '@revmesh/authority-core';
import type { HttpReply, HttpRequest } from '../http/http-types';
import { OAuthError } from '../oauth/oauth-error';
import { PROBLEM_CONTENT_TYPE, ProblemException, type ProblemCode } from './problem';

/** Statuses Fastify and Nest raise on their own (body parsing, routing), mapped to codes. */
const FRAMEWORK_STATUS_CODES: Readonly<Record<number, ProblemCode>> = {
  400: 'MALFORMED_BODY',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

/** authority-core codes that are the caller's business; every other code is an internal error. */
const CORE_CODES: Partial<Readonly<Record<AuthorityError['code'], ProblemCode>>> = {
  CLIENT_EXISTS: 'CONFLICT',
  REVOCATION_NOT_FOUND: 'NOT_FOUND',
  SESSION_NOT_FOUND: 'NOT_FOUND',
  ISSUER_EXISTS: 'ISSUER_EXISTS',
  ISSUER_NOT_FOUND: 'NOT_FOUND',
  ISSUER_NOT_TRUSTED: 'ISSUER_NOT_TRUSTED',
  REVOCATION_BATCH_INVALID: 'BATCH_INVALID',
  REVOCATION_BATCH_NEEDS_APPROVAL: 'BATCH_NEEDS_APPROVAL',
  KEY_NOT_FOUND: 'NOT_FOUND',
  ROTATION_NOT_FOUND: 'NOT_FOUND',
  KEY_STATE_CONFLICT: 'KEY_STATE_CONFLICT',
  ROLLBACK_TARGET_REVOKED: 'ROLLBACK_TARGET_REVOKED',
  ROTATION_IN_PROGRESS: 'ROTATION_IN_PROGRESS',
  ROTATION_NOT_ROLLBACKABLE: 'ROTATION_NOT_ROLLBACKABLE',
  KILL_SWITCH_NOT_ENGAGED: 'CONFLICT',
  CLIENT_NOT_FOUND: 'NOT_FOUND',
  CLIENT_AUTH_METHOD_CONFLICT: 'CONFLICT',
  INVALID_CREDENTIALS: 'INVALID_CREDENTIALS',
  OPERATOR_EXISTS: 'OPERATOR_EXISTS',
  OPERATOR_NOT_FOUND: 'NOT_FOUND',
  BOOTSTRAP_DONE: 'BOOTSTRAP_DONE',
  LAST_SECURITY_ADMIN: 'CONFLICT',
  APPROVAL_NOT_FOUND: 'NOT_FOUND',
  SELF_APPROVAL: 'SELF_APPROVAL',
  APPROVAL_EXPIRED: 'APPROVAL_EXPIRED',
  APPROVAL_NOT_PENDING: 'APPROVAL_NOT_PENDING',
  APPROVER_SPONSORED: 'APPROVER_SPONSORED',
  ENROLMENT_CODE_INVALID: 'ENROLMENT_CODE_INVALID',
  OPERATOR_ENROLLED: 'OPERATOR_ENROLLED',
  SSF_TRANSMITTER_EXISTS: 'CONFLICT',
  SSF_TRANSMITTER_NOT_FOUND: 'NOT_FOUND',
  SSF_TRANSMITTER_FAILED: 'SSF_TRANSMITTER_FAILED',
  INCIDENT_NOT_FOUND: 'NOT_FOUND',
  INCIDENT_UNKNOWN: 'INCIDENT_UNKNOWN',
  INCIDENT_CLOSED: 'INCIDENT_CLOSED',
  INCIDENT_TRANSITION_REFUSED: 'INCIDENT_TRANSITION_REFUSED',
  INCIDENT_LINK_TARGET_UNKNOWN: 'INCIDENT_LINK_TARGET_UNKNOWN',
  COMMS_TEXT_CHANGED: 'COMMS_TEXT_CHANGED',
  COMMS_NO_WEBHOOK: 'COMMS_NO_WEBHOOK',
  COMMS_WEBHOOK_UNUSABLE: 'COMMS_WEBHOOK_UNUSABLE',
  INCIDENT_FOLLOW_UP_NOT_FOUND: 'NOT_FOUND',
};

/** A batch item error as a field error: `targets[3].iss`, with its index. */
function batchFieldError(item: BatchItemError): { field: string; message: string; index: number } {
  return { field: `targets[${item.index}].${item.field}`, message: item.message, index: item.index };
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/**
 * The single place errors become HTTP responses. Everything becomes problem+json with a stable
 * `code`, except on the token endpoint, where OAuth clients expect RFC 6749's format. Internal
 * errors are logged with their stack and answered without details.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<HttpRequest>();
    const reply = http.getResponse<HttpReply>();
    const path = pathOf(request.url);

    if (path.startsWith('/oauth/')) {
      this.sendOAuth(reply, this.toOAuthError(exception, request));
      return;
    }
    const problem = this.toProblem(exception, request);
    reply.status(problem.status).header('Content-Type', PROBLEM_CONTENT_TYPE).header('Cache-Control', 'no-store');
    for (const [name, value] of Object.entries(problem.extra.headers ?? {})) reply.header(name, value);
    reply.send(JSON.stringify(problem.toProblem(path)));
  }

  private toProblem(exception: unknown, request: HttpRequest): ProblemException {
    if (exception instanceof ProblemException) return exception;
    const unavailable = storeUnavailableReason(exception);
    if (unavailable !== undefined) {
      // A full or read-only disk: the transaction rolled back whole; the client should retry.
      this.logUnavailable(unavailable, request);
      return new ProblemException('STORE_UNAVAILABLE', `the authority's store cannot write (${unavailable}); nothing was changed, retry later`, {
        headers: { 'Retry-After': String(STORE_RETRY_AFTER_SECONDS) },
        extensions: { retry_after_seconds: STORE_RETRY_AFTER_SECONDS },
      });
    }
    if (exception instanceof AuthorityError) {
      const code = CORE_CODES[exception.code];
      if (code !== undefined) {
        // A key conflict names the key and its state in the body too, for programs.
        const extensions =
          exception instanceof KeyStateConflictError
            ? { kid: exception.kid, current_state: exception.currentState, requested_state: exception.requestedState }
            : undefined;
        // The only request field that names an issuer is a revocation's `iss`.
        if (exception instanceof IssuerNotTrustedError) {
          return new ProblemException(code, exception.message, { errors: [{ field: 'iss', message: exception.message }], extensions: { iss: exception.issuer } });
        }
        // The only request field that names an incident to link an action to is `incident`.
        if (exception instanceof IncidentUnknownError) {
          return new ProblemException(code, exception.message, { errors: [{ field: 'incident', message: exception.message }], extensions: { incident: exception.incidentId } });
        }
        if (exception instanceof IncidentLinkTargetUnknownError) {
          return new ProblemException(code, exception.message, { errors: [{ field: 'id', message: exception.message }] });
        }
        // A refused status change names the state the incident is in, for programs.
        if (exception instanceof IncidentTransitionError) {
          return new ProblemException(code, exception.message, { extensions: { current_state: exception.currentState, requested_state: exception.requestedState } });
        }
        // A refused batch names every target at fault, by position.
        if (exception instanceof RevocationBatchInvalidError || exception instanceof RevocationBatchNeedsApprovalError) {
          return new ProblemException(code, exception.message, { errors: exception.items.map(batchFieldError) });
        }
        return new ProblemException(code, exception.message, extensions === undefined ? {} : { extensions });
      }
      if (exception instanceof LoginThrottledError) {
        // Says when to retry and nothing else: not whether the username exists.
        return new ProblemException('LOGIN_THROTTLED', exception.message, {
          headers: { 'Retry-After': String(exception.retryAfterSeconds) },
          extensions: { retry_after_seconds: exception.retryAfterSeconds },
        });
      }
    } else if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = FRAMEWORK_STATUS_CODES[status] ?? (status >= 400 && status < 500 ? 'INVALID_REQUEST' : undefined);
      if (code !== undefined) return new ProblemException(code, exception.message);
    }
    this.logInternal(exception, request);
    return new ProblemException('INTERNAL', 'the authority failed to handle this request; see its log');
  }

  private toOAuthError(exception: unknown, request: HttpRequest): OAuthError {
    if (exception instanceof OAuthError) return exception;
    const unavailable = storeUnavailableReason(exception);
    if (unavailable !== undefined) {
      this.logUnavailable(unavailable, request);
      return new OAuthError('temporarily_unavailable', 'the authority cannot store anything right now; retry later', 503, {
        'Retry-After': String(STORE_RETRY_AFTER_SECONDS),
      });
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      // Unparseable, oversized or non-form bodies: still an RFC 6749 error, with the real status.
      if (status >= 400 && status < 500) return new OAuthError('invalid_request', exception.message, status);
    }
    // A client disabled while its token was being issued (authentication had passed): as a refused authentication.
    if (exception instanceof ClientAuthenticationError) return new OAuthError('invalid_client', 'client authentication failed');
    this.logInternal(exception, request);
    return new OAuthError('server_error', 'the authority failed to handle this request; see its log');
  }

  private sendOAuth(reply: HttpReply, error: OAuthError): void {
    reply
      .status(error.status)
      .header('Content-Type', 'application/json; charset=utf-8')
      .header('Cache-Control', 'no-store')
      .header('Pragma', 'no-cache');
    for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
    reply.send(JSON.stringify(error.toJSON()));
  }

  private logUnavailable(reason: string, request: HttpRequest): void {
    this.logger.error(`${request.method} ${pathOf(request.url)} refused with 503: the store cannot write (${reason})`);
  }

  private logInternal(exception: unknown, request: HttpRequest): void {
    const stack = exception instanceof Error ? (exception.stack ?? exception.message) : String(exception);
    this.logger.error(`${request.method} ${pathOf(request.url)} failed: ${stack}`);
  }
}
