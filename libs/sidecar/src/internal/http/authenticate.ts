import type { TokenPresentation } from '../../dpop/dpop-check';
import type { StalePolicy } from '../../options/sidecar-options';
import type { Sidecar, VerifyOptions } from '../../sidecar';
import { verifyFailure, type VerifyResult } from '../../verify/verify-result';
import { extractBearerToken } from './bearer-token';
import type { RequestTarget } from './request-target';

/** What an adapter needs from a sidecar; a structural subset so tests can pass a stub. */
export type TokenVerifierLike = Pick<Sidecar, 'verify'> & Partial<Pick<Sidecar, 'lockdown'>>;

/** The per-route verify options of an adapter, with the client address of this request. */
export function routeVerifyOptions(stalePolicy: StalePolicy | undefined, address: string | undefined): VerifyOptions | undefined {
  if (stalePolicy === undefined && address === undefined) return undefined;
  return { ...(stalePolicy === undefined ? {} : { stalePolicy }), ...(address === undefined ? {} : { context: { address } }) };
}

/**
 * Verifies the access token of an `Authorization` header value (`Bearer` or `DPoP` scheme);
 * `TOKEN_MISSING` without one. `target` (method, URL, `DPoP` header; called only for the DPoP
 * scheme) lets a DPoP-bound token prove possession of its key.
 */
export async function authenticateAuthorization(
  sidecar: TokenVerifierLike,
  authorization: string | readonly string[] | undefined,
  options?: VerifyOptions,
  target?: () => RequestTarget,
): Promise<VerifyResult> {
  const bearer = extractBearerToken(authorization);
  // A lockdown refuses everything with LOCKDOWN (503), requests without a token included.
  if (bearer.kind !== 'token') {
    const locked = sidecar.lockdown?.();
    if (locked !== undefined) return locked;
  }
  if (bearer.kind === 'missing') return verifyFailure('TOKEN_MISSING', 'the request has no Authorization: Bearer token');
  if (bearer.kind === 'malformed') return verifyFailure('MALFORMED', 'the Authorization header is not "Bearer <token>" or "DPoP <token>"');
  // A Bearer presentation needs nothing more: without a presentation a DPoP-bound token is DPOP_REQUIRED.
  if (bearer.scheme === 'Bearer') return options === undefined ? sidecar.verify(bearer.token) : sidecar.verify(bearer.token, options);
  // Read only now: rebuilding the URL costs nothing on the Bearer path.
  const request = target?.();
  const presentation: TokenPresentation = { scheme: 'DPoP', method: request?.method ?? '', url: request?.url ?? '', dpop: request?.dpop };
  return sidecar.verify(bearer.token, { ...options, presentation });
}
