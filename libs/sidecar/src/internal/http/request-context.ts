import type { AccessTokenClaims } from '../../verify/verify-result';

/** What the adapters attach to an authenticated request, as `req.revmesh`. */
export interface RevmeshRequestContext {
  readonly claims: AccessTokenClaims;
}
