import type { Sidecar } from '../../sidecar';
import { verifyFailure, type VerifyResult } from '../../verify/verify-result';
import { extractBearerToken } from './bearer-token';

/** What an adapter needs from a sidecar; a structural subset so tests can pass a stub. */
export type TokenVerifierLike = Pick<Sidecar, 'verify'>;

/** Verifies the bearer token of an `Authorization` header value; `TOKEN_MISSING` without one. */
export async function authenticateAuthorization(
  sidecar: TokenVerifierLike,
  authorization: string | readonly string[] | undefined,
): Promise<VerifyResult> {
  const bearer = extractBearerToken(authorization);
  if (bearer.kind === 'missing') return verifyFailure('TOKEN_MISSING', 'the request has no Authorization: Bearer token');
  if (bearer.kind === 'malformed') return verifyFailure('MALFORMED', 'the Authorization header is not "Bearer <token>"');
  return sidecar.verify(bearer.token);
}
