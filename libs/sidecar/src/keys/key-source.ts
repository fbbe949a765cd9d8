import { createLocalJWKSet, createRemoteJWKSet, customFetch, errors as joseErrors } from 'jose';
import type { JWTVerifyGetKey } from 'jose' with { 'resolution-mode': 'import' };
import type { Clock } from '../internal/units';
import type { SidecarLogger } from '../logging/logger';
import type { ResolvedKeys } from '../options/keys-option';
import { createDiscoveredKeySet } from './discovered-key-set';
import type { KeySet } from './key-set';
import { KeysUnavailableError } from './keys-unavailable-error';

/**
 * Errors a key lookup raises about the token itself (no key for its `kid`/`alg`, several
 * candidates without a `kid`, an algorithm a key set cannot serve). Everything else is a failure
 * to obtain keys.
 */
const TOKEN_SIDE_CODES = new Set(['ERR_JWKS_NO_MATCHING_KEY', 'ERR_JWKS_MULTIPLE_MATCHING_KEYS', 'ERR_JOSE_NOT_SUPPORTED']);

/**
 * The key lookup jose calls for each token. Keys are imported once (importing per request would
 * halve throughput): by the key set as key events arrive, or by jose for a static or remote set;
 * a remote set (given, or found by OIDC discovery) refetches on an unknown `kid`, at most once per
 * cooldown.
 *
 * Throws a `TypeError` for a static key set jose cannot read.
 */
export function createKeySource(keys: ResolvedKeys, keySet: KeySet, clock: Clock = Date.now, logger?: SidecarLogger): JWTVerifyGetKey {
  if (keys.kind === 'kafka') {
    // A plain map lookup: nothing on the verify path waits for the network. A kid that is unknown,
    // retired or held for another alg is KEY_UNKNOWN (jose's "no matching key", mapped at the edge).
    return (header) => {
      const key = keySet.keyFor(header.kid, header.alg);
      if (key === undefined) throw new joseErrors.JWKSNoMatchingKey('no verifying key of the key set matches the token kid/alg');
      return key;
    };
  }
  let lookup: JWTVerifyGetKey;
  if (keys.kind === 'static') {
    try {
      lookup = createLocalJWKSet(keys.jwks);
    } catch (error) {
      throw new TypeError(`createSidecar: options.keys.jwks is not a usable JSON Web Key Set: ${(error as Error).message}`, { cause: error });
    }
  } else if (keys.kind === 'discovery') {
    lookup = createDiscoveredKeySet({
      ...keys,
      clock,
      // Per attempt, not per token: a misconfigured or unreachable provider is said once per cooldown.
      onDiscoveryFailed: (error) =>
        logger?.warn('revmesh sidecar: OIDC discovery failed; tokens of this issuer are KEYS_UNAVAILABLE until it succeeds', {
          issuer: keys.issuer,
          error: error instanceof Error ? error.message : String(error),
          retry_after_ms: keys.cooldownMs,
        }),
    });
  } else {
    lookup = createRemoteJWKSet(keys.url, {
      cooldownDuration: keys.cooldownMs,
      cacheMaxAge: keys.cacheMaxAgeMs,
      timeoutDuration: keys.timeoutMs,
      headers: { ...keys.headers },
      ...(keys.fetch ? { [customFetch]: keys.fetch } : {}),
    });
  }
  return async (header, token) => {
    try {
      return await lookup(header, token);
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (typeof code === 'string' && TOKEN_SIDE_CODES.has(code)) throw error;
      throw new KeysUnavailableError(
        keys.kind === 'remote'
          ? `could not get the key set from ${keys.url.href}: ${(error as Error)?.message ?? String(error)}`
          : keys.kind === 'discovery'
          ? `could not get the key set of ${keys.issuer} by discovery: ${(error as Error)?.message ?? String(error)}`
          : `could not import a key of the static key set: ${(error as Error)?.message ?? String(error)}`,
        { cause: error },
      );
    }
  };
}
