import { authenticateAuthorization, routeVerifyOptions, type TokenVerifierLike } from '../internal/http/authenticate';
import { requestUrlOf, type RequestTarget, type TokenRequestLine } from '../internal/http/request-target';
import type { StalePolicy } from '../options/sidecar-options';
import { toHttpRejection, type RejectionOptions } from '../internal/http/problem-details';
import type { RevmeshRequestContext } from '../internal/http/request-context';
import type { VerifyFailure } from '../verify/verify-result';

/** The parts of a Fastify request the hook reads and writes. */
export interface FastifyLikeRequest extends TokenRequestLine {
  /** The client address (Fastify/Express `request.ip`), reported with revoked tokens presented. */
  readonly ip?: string | undefined;
  revmesh?: RevmeshRequestContext | null;
}

/** The parts of a Fastify reply the hook uses. */
export interface FastifyLikeReply {
  code(statusCode: number): FastifyLikeReply;
  header(name: string, value: string): FastifyLikeReply;
  send(payload: string): unknown;
}

export interface RevmeshFastifyOptions extends RejectionOptions {
  /** Observes each rejection (logging, audit) before the 401/503 is sent. Must not throw. */
  readonly onRejected?: (failure: VerifyFailure, request: FastifyLikeRequest) => void;
  /**
   * What this route does while the sidecar is stale; default: the sidecar's `staleness.policy`
   * (`'fail-closed'` unless configured). `'fail-open-UNSAFE'` accepts (counted and logged) and weakens security.
   */
  readonly stalePolicy?: StalePolicy;
  /**
   * The method and URL the client addressed, for DPoP proofs (`htm`, `htu`). Default: the
   * request's method, and `request.protocol` + `Host` + `request.url`. Behind a proxy that
   * rewrites the host or path, set the sidecar's `dpop.publicBaseUrl` (or override this).
   */
  readonly requestTarget?: (request: FastifyLikeRequest) => Omit<RequestTarget, 'dpop'>;
}

/** The default {@link RevmeshFastifyOptions.requestTarget}. */
const fastifyTarget = (request: FastifyLikeRequest): Omit<RequestTarget, 'dpop'> => ({ method: request.method ?? 'GET', url: requestUrlOf(request) });

/**
 * A Fastify `onRequest` hook: verifies `Authorization: Bearer <token>` (or `DPoP <token>` with its
 * `DPoP` proof header, for key-bound tokens) with the sidecar. On
 * success the claims are on `request.revmesh.claims`; on failure it answers
 * `application/problem+json` `{ type, title, status, detail, code }` with status 401 and
 * `WWW-Authenticate: Bearer error="invalid_token"` (503 when the sidecar itself is not ready),
 * and the route handler does not run. fastify is not imported.
 *
 * Declare the property once so Fastify keeps request objects monomorphic:
 * `app.decorateRequest('revmesh', null)`; type it with
 * `declare module 'fastify' { interface FastifyRequest { revmesh?: RevmeshRequestContext | null } }`.
 *
 * @example
 * app.addHook('onRequest', revmeshFastify(sidecar));              // every route
 * app.get('/orders', { onRequest: revmeshFastify(sidecar) }, h);  // one route
 */
export function revmeshFastify(
  sidecar: TokenVerifierLike,
  options: RevmeshFastifyOptions = {},
): (request: FastifyLikeRequest, reply: FastifyLikeReply) => Promise<void> {
  return async (request, reply) => {
    const target = (): RequestTarget => ({ ...(options.requestTarget ?? fastifyTarget)(request), dpop: request.headers.dpop });
    const result = await authenticateAuthorization(sidecar, request.headers.authorization, routeVerifyOptions(options.stalePolicy, request.ip), target);
    if (result.ok) {
      request.revmesh = { claims: result.claims };
      return;
    }
    options.onRejected?.(result, request);
    const rejection = toHttpRejection(result, options);
    let answer = reply.code(rejection.status);
    for (const [name, value] of Object.entries(rejection.headers)) answer = answer.header(name, value);
    // A string payload is sent as-is, with the problem+json content type set above. Fastify stops
    // the request lifecycle once the reply is sent from an onRequest hook.
    answer.send(rejection.body);
  };
}
