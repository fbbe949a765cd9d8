import { authenticateAuthorization, routeVerifyOptions, type TokenVerifierLike } from '../internal/http/authenticate';
import { requestUrlOf, type RequestTarget, type TokenRequestLine } from '../internal/http/request-target';
import type { StalePolicy } from '../options/sidecar-options';
import { toHttpRejection, type RejectionOptions } from '../internal/http/problem-details';
import type { RevmeshRequestContext } from '../internal/http/request-context';
import type { VerifyFailure } from '../verify/verify-result';

/** The parts of an Express (or plain Node) request the middleware reads and writes. */
export interface ExpressLikeRequest extends TokenRequestLine {
  /** The URL before mounting stripped a prefix (a DPoP proof's `htu` names the full path). */
  readonly originalUrl?: string | undefined;
  /** The client address (Fastify/Express `request.ip`), reported with revoked tokens presented. */
  readonly ip?: string | undefined;
  readonly socket?: { readonly remoteAddress?: string | undefined; readonly encrypted?: boolean | undefined };
  revmesh?: RevmeshRequestContext;
}

/** The parts of an Express (or plain Node `ServerResponse`) response the middleware uses. */
export interface ExpressLikeResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body: string): unknown;
  /** Express's per-request locals; the claims are put there too when it exists. */
  locals?: Record<string, unknown>;
}

export type ExpressLikeNext = (error?: unknown) => void;

export interface RevmeshExpressOptions extends RejectionOptions {
  /** Observes each rejection (logging, audit) before the 401/503 is sent. Must not throw. */
  readonly onRejected?: (failure: VerifyFailure, request: ExpressLikeRequest) => void;
  /**
   * What this route does while the sidecar is stale; default: the sidecar's `staleness.policy`
   * (`'fail-closed'` unless configured). `'fail-open-UNSAFE'` accepts (counted and logged) and weakens security.
   */
  readonly stalePolicy?: StalePolicy;
  /**
   * The method and URL the client addressed, for DPoP proofs (`htm`, `htu`). Default: the
   * request's method, and `req.protocol` + `Host` + `req.originalUrl`. Behind a proxy that
   * rewrites the host or path, set the sidecar's `dpop.publicBaseUrl` (or override this).
   */
  readonly requestTarget?: (request: ExpressLikeRequest) => Omit<RequestTarget, 'dpop'>;
}

/** The default {@link RevmeshExpressOptions.requestTarget}. */
const expressTarget = (request: ExpressLikeRequest): Omit<RequestTarget, 'dpop'> => ({ method: request.method ?? 'GET', url: requestUrlOf(request) });

/**
 * Express middleware: verifies `Authorization: Bearer <token>` (or `DPoP <token>` with its `DPoP`
 * proof header, for key-bound tokens) with the sidecar. On success the
 * claims are on `req.revmesh.claims` (and `res.locals.revmesh`) and the chain continues; on
 * failure it answers `application/problem+json` `{ type, title, status, detail, code }` with
 * status 401 and `WWW-Authenticate: Bearer error="invalid_token"` (503 when the sidecar itself is
 * not ready). Works with Express 4 and 5 and with plain `node:http` handlers; express is not
 * imported.
 *
 * @example
 * app.use('/api', revmeshExpress(sidecar));
 * app.get('/api/me', (req, res) => res.json({ sub: req.revmesh?.claims.sub }));
 */
export function revmeshExpress(
  sidecar: TokenVerifierLike,
  options: RevmeshExpressOptions = {},
): (request: ExpressLikeRequest, response: ExpressLikeResponse, next: ExpressLikeNext) => void {
  return (request, response, next) => {
    const target = (): RequestTarget => ({ ...(options.requestTarget ?? expressTarget)(request), dpop: request.headers.dpop });
    authenticateAuthorization(sidecar, request.headers.authorization, routeVerifyOptions(options.stalePolicy, request.ip ?? request.socket?.remoteAddress), target).then(
      (result) => {
        if (result.ok) {
          const context: RevmeshRequestContext = { claims: result.claims };
          request.revmesh = context;
          if (response.locals) response.locals['revmesh'] = context;
          next();
          return;
        }
        options.onRejected?.(result, request);
        const rejection = toHttpRejection(result, options);
        response.statusCode = rejection.status;
        for (const [name, value] of Object.entries(rejection.headers)) response.setHeader(name, value);
        response.end(rejection.body);
      },
      // verify never rejects for a bad token; anything here is a bug: Express's error handling answers 500.
      (error: unknown) => next(error),
    );
  };
}
