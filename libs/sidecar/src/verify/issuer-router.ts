import type { TokenVerifier } from './token-verifier';
import { verifyFailure } from './verify-result';

/** One trusted issuer's verifier. */
export interface IssuerRoute {
  /** The exact `iss` its tokens carry. */
  readonly issuer: string;
  /** True for the revmesh authority's issuer (deny rules naming no issuer apply to it). */
  readonly authority: boolean;
  readonly verifier: TokenVerifier;
}

/**
 * Picks the verifier of a token's issuer, and says which deny rules apply to an issuer's tokens.
 * Implements {@link TokenVerifier}, so the sidecar sees one verifier however many issuers it trusts.
 */
export interface IssuerRouter extends TokenVerifier {
  /**
   * The deny-rule scope of issuer `iss`: `''` for the revmesh authority's issuer (and for
   * `undefined`: a revocation naming no issuer targets the authority's tokens), else `iss` itself.
   */
  scopeOf(iss: string | undefined): string;
}

/** The authority scope: rules of the revmesh authority's own issuer. */
export const AUTHORITY_SCOPE = '';

/**
 * The `iss` of a token's payload, read WITHOUT verifying anything: only to pick which issuer's
 * keys and rules verify it (jose then checks `iss` again against that issuer). Undefined if the
 * payload cannot be read; the verifier then reports why.
 */
export function unverifiedIssuer(token: string): string | undefined {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first < 0 || second < 0) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(token.slice(first + 1, second), 'base64url').toString('utf8'));
    const iss = (payload as { iss?: unknown } | null)?.iss;
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Creates the router over `routes` (at least one; issuers distinct, checked by option validation);
 * `maxTokenBytes` bounds what is decoded to read `iss`.
 * With a single issuer no payload is decoded up front: the token goes straight to its verifier,
 * which reports a foreign `iss` as `ISSUER_MISMATCH` (the single-issuer hot path costs nothing).
 * With several, a token whose `iss` is none of them is `ISSUER_MISMATCH` before any key lookup.
 */
export function createIssuerRouter(routes: readonly IssuerRoute[], maxTokenBytes: number): IssuerRouter {
  if (routes.length === 0) throw new TypeError('createIssuerRouter: at least one issuer is required');
  const byIssuer = new Map(routes.map((route) => [route.issuer, route]));
  const authorityIssuers = new Set(routes.filter((route) => route.authority).map((route) => route.issuer));
  const only = routes.length === 1 ? routes[0]!.verifier : undefined;
  const first = routes[0]!.verifier;
  return {
    // One issuer: its verifier's promise itself, no async wrapper (each one costs microtask ticks per call).
    verify: only ? (token) => only.verify(token) : async (token) => {
      // Not decoded when oversized or not a string: the first verifier's prechecks refuse it cheaply.
      if (typeof token !== 'string' || token.length > maxTokenBytes) return first.verify(token);
      const iss = unverifiedIssuer(token);
      // Unreadable payload: the first verifier's prechecks say why (MALFORMED, size, alg, typ).
      if (iss === undefined) return first.verify(token);
      const route = byIssuer.get(iss);
      if (!route) {
        return verifyFailure('ISSUER_MISMATCH', `token issuer ${JSON.stringify(iss.slice(0, 200))} is none of the trusted issuers`);
      }
      return route.verifier.verify(token);
    },
    scopeOf: (iss) => (iss === undefined || authorityIssuers.has(iss) ? AUTHORITY_SCOPE : iss),
  };
}
