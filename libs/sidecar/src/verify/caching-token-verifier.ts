import type { IssuerRouter } from './issuer-router';
import type { VerifiedTokenCache } from './verified-token-cache';

/**
 * The issuer router with the verified-token cache in front: a cached token is answered from the
 * cache (no parsing, no signature check); any other token is verified in full and, if it passes,
 * cached. Failures are never cached. What runs after it (deny rules, kill-switch cuts, readiness,
 * lockdown, staleness) is untouched, so those are checked on every call, hit or miss.
 */
export function createCachingTokenVerifier(verifier: IssuerRouter, cache: VerifiedTokenCache): IssuerRouter {
  return {
    verify(token) {
      if (typeof token === 'string') {
        const hit = cache.get(token);
        if (hit !== undefined) return Promise.resolve(hit);
      }
      return verifyInFull(token);
    },
    scopeOf: verifier.scopeOf,
  };

  async function verifyInFull(token: string) {
    // Read before the signature check: a key or kill-switch event applied while it runs clears the
    // cache, and this result (reached under the old state) must then not be stored.
    const generation = cache.generation;
    const result = await verifier.verify(token);
    return result.ok ? cache.set(token, result, generation) : result;
  }
}
