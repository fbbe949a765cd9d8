import type { StalePolicy } from '../../options/sidecar-options';
import type { Sidecar, VerifyOptions } from '../../sidecar';
import { verifyFailure, type VerifyResult } from '../../verify/verify-result';
import { extractBearerToken } from './bearer-token';

/** What an adapter needs from a sidecar; a structural subset so tests can pass a stub. */
export type TokenVerifierLike = Pick<Sidecar, 'verify'> & Partial<Pick<Sidecar, 'lockdown'>>;

/** The per-route verify options of an adapter, with the client address of this request. */
export function routeVerifyOptions(stalePolicy: StalePolicy | undefined, address: string | undefined): VerifyOptions | undefined {
  if (stalePolicy === undefined && address === undefined) return undefined;
  return { ...(stalePolicy === undefined ? {} : { stalePolicy }), ...(address === undefined ? {} : { context: { address } }) };
}

/** Verifies the bearer token of an `Authorization` header value; `TOKEN_MISSING` without one. */
export async function authenticateAuthorization(
  sidecar: TokenVerifierLike,
  authorization: string | readonly string[] | undefined,
  options?: VerifyOptions,
): Promise<VerifyResult> {
  const bearer = extractBearerToken(authorization);
  // A lockdown refuses everything with LOCKDOWN (503), requests without a token included.
  if (bearer.kind !== 'token') {
    const locked = sidecar.lockdown?.();
    if (locked !== undefined) return locked;
  }
  if (bearer.kind === 'missing') return verifyFailure('TOKEN_MISSING', 'the request has no Authorization: Bearer token');
  if (bearer.kind === 'malformed') return verifyFailure('MALFORMED', 'the Authorization header is not "Bearer <token>"');
  return options === undefined ? sidecar.verify(bearer.token) : sidecar.verify(bearer.token, options);
}
