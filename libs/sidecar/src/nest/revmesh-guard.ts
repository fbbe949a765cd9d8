import { TokenRejectedError } from '../errors/sidecar-errors';
import { authenticateAuthorization, routeVerifyOptions, type TokenVerifierLike } from '../internal/http/authenticate';
import { requestUrlOf, type RequestTarget, type TokenRequestLine } from '../internal/http/request-target';
import type { StalePolicy } from '../options/sidecar-options';
import { toHttpRejection, type RejectionOptions } from '../internal/http/problem-details';
import type { RevmeshRequestContext } from '../internal/http/request-context';
import type { VerifyFailure } from '../verify/verify-result';

/** The part of Nest's `ExecutionContext` the guard uses (structural: @nestjs/common is not imported). */
export interface NestExecutionContextLike {
  switchToHttp(): {
    getRequest<T = unknown>(): T;
    getResponse<T = unknown>(): T;
  };
}

interface GuardedRequest extends Partial<TokenRequestLine> {
  /** Express only: the URL before mounting stripped a prefix. */
  readonly originalUrl?: string;
  readonly ip?: string | undefined;
  revmesh?: RevmeshRequestContext;
}

/** An Express response (`setHeader`) or a Fastify reply (`header`), whichever Nest runs on. */
interface HeaderTarget {
  header?: (name: string, value: string) => unknown;
  setHeader?: (name: string, value: string) => unknown;
}

export interface RevmeshGuardOptions extends RejectionOptions {
  /**
   * Routes that need no token, e.g. with Nest's Reflector:
   * `isPublic: (ctx) => reflector.getAllAndOverride(IS_PUBLIC, [ctx.getHandler(), ctx.getClass()])`.
   * Default: none; every route is protected (secure by default).
   */
  readonly isPublic?: (context: NestExecutionContextLike) => boolean;
  /**
   * Throw your application's own exception for a rejection (e.g. `new UnauthorizedException(...)`).
   * If it returns instead of throwing, the guard throws its default {@link TokenRejectedError}.
   */
  readonly onRejected?: (failure: VerifyFailure, context: NestExecutionContextLike, error: TokenRejectedError) => void;
  /**
   * What guarded routes do while the sidecar is stale; default: the sidecar's `staleness.policy`.
   * A function decides per route (e.g. from a decorator via Reflector). `'fail-open-UNSAFE'` weakens security.
   */
  readonly stalePolicy?: StalePolicy | ((context: NestExecutionContextLike) => StalePolicy | undefined);
  /**
   * The method and URL the client addressed, for DPoP proofs (`htm`, `htu`). Default: the
   * request's method, and its protocol + `Host` + original URL (Express or Fastify underneath).
   * Behind a proxy that rewrites the host or path, set the sidecar's `dpop.publicBaseUrl`.
   */
  readonly requestTarget?: (context: NestExecutionContextLike) => Omit<RequestTarget, 'dpop'>;
}

/**
 * A NestJS guard (it implements `CanActivate` structurally). On success the claims are on
 * `request.revmesh.claims`. On failure it sets `WWW-Authenticate` on the response and throws a
 * {@link TokenRejectedError} carrying `statusCode` (401, or 503 when the sidecar is not ready),
 * `message` and `code`; Nest's default exception filter answers with that status and
 * `{ statusCode, message }` (and logs it at error, as it does for every non-`HttpException`).
 * Use `onRejected` to throw your own exception instead, e.g. an `UnauthorizedException` carrying
 * `toHttpRejection(failure).problem` as its body.
 *
 * @example
 * // main.ts
 * app.useGlobalGuards(new RevmeshGuard(sidecar));
 * // or as a provider: { provide: APP_GUARD, useFactory: (s: Sidecar) => new RevmeshGuard(s), inject: [SIDECAR] }
 */
export class RevmeshGuard {
  constructor(
    private readonly sidecar: TokenVerifierLike,
    private readonly options: RevmeshGuardOptions = {},
  ) {}

  async canActivate(context: NestExecutionContextLike): Promise<boolean> {
    if (this.options.isPublic?.(context) === true) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<GuardedRequest>();
    const policy = typeof this.options.stalePolicy === 'function' ? this.options.stalePolicy(context) : this.options.stalePolicy;
    const target = (): RequestTarget => ({
      ...(this.options.requestTarget?.(context) ?? { method: request?.method ?? 'GET', url: nestRequestUrl(request) }),
      dpop: request?.headers?.dpop,
    });
    const result = await authenticateAuthorization(this.sidecar, request?.headers?.authorization, routeVerifyOptions(policy, request?.ip), target);
    if (result.ok) {
      request.revmesh = { claims: result.claims };
      return true;
    }
    const rejection = toHttpRejection(result, this.options);
    const challenge = rejection.headers['www-authenticate'];
    if (challenge !== undefined) setHeader(http.getResponse<HeaderTarget | undefined>(), 'WWW-Authenticate', challenge);
    const dpopNonce = rejection.headers['dpop-nonce'];
    if (dpopNonce !== undefined) setHeader(http.getResponse<HeaderTarget | undefined>(), 'DPoP-Nonce', dpopNonce);
    const error = new TokenRejectedError(result, rejection.status);
    this.options.onRejected?.(result, context, error);
    throw error;
  }
}

/** The URL of the Express or Fastify request under Nest (`protocol` is a getter: read it, do not spread). */
function nestRequestUrl(request: GuardedRequest | undefined): string {
  return requestUrlOf({ headers: request?.headers ?? {}, protocol: request?.protocol, originalUrl: request?.originalUrl, url: request?.url });
}

function setHeader(response: HeaderTarget | undefined, name: string, value: string): void {
  if (typeof response?.header === 'function') response.header(name, value);
  else if (typeof response?.setHeader === 'function') response.setHeader(name, value);
}
