import { createRemoteJWKSet, customFetch } from 'jose';
import type { JWTVerifyGetKey } from 'jose' with { 'resolution-mode': 'import' };
import type { Clock } from '../internal/units';
import { insecureUrlReason, type ResolvedRemoteFetch } from '../options/keys-option';

/** Options of {@link createDiscoveredKeySet}. */
export interface DiscoveredKeySetOptions extends ResolvedRemoteFetch {
  /** The issuer URL; the discovery document's `issuer` must equal it exactly (OpenID Connect Discovery §4.3). */
  readonly issuer: string;
  readonly clock: Clock;
  /** Called once per failed discovery attempt (at most once per `cooldownMs`), e.g. to log it. */
  readonly onDiscoveryFailed?: (error: unknown) => void;
}

/** The well-known path of an OpenID provider's configuration, appended to the issuer URL (trailing `/` removed). */
export const OIDC_DISCOVERY_PATH = '/.well-known/openid-configuration';

/** The discovery document URL of `issuer`. */
export function discoveryUrl(issuer: string): URL {
  return new URL(`${issuer.replace(/\/+$/, '')}${OIDC_DISCOVERY_PATH}`);
}

/**
 * A key lookup for an OpenID provider: on first use it reads the provider's discovery document,
 * checks its `issuer`, then hands every lookup to jose's remote JWK set at the document's
 * `jwks_uri` (cached for `cacheMaxAgeMs`, refetched on an unknown `kid` at most once per
 * `cooldownMs`). A failed discovery throws (the caller maps it to `KEYS_UNAVAILABLE`) and is not
 * retried before `cooldownMs` has passed, so a flood of tokens cannot hammer a provider that is down.
 */
export function createDiscoveredKeySet(options: DiscoveredKeySetOptions): JWTVerifyGetKey {
  const doFetch = options.fetch ?? fetch;
  let remote: JWTVerifyGetKey | undefined;
  let discovering: Promise<JWTVerifyGetKey> | undefined;
  let failure: { readonly at: number; readonly error: unknown } | undefined;

  const discover = async (): Promise<JWTVerifyGetKey> => {
    const url = discoveryUrl(options.issuer);
    const response = await doFetch(url, {
      headers: { accept: 'application/json', ...options.headers },
      signal: AbortSignal.timeout(options.timeoutMs),
      redirect: 'manual',
    });
    if (!response.ok) throw new Error(`discovery document ${url.href} answered HTTP ${response.status}`);
    const document = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown } | null;
    if (document?.issuer !== options.issuer) {
      throw new Error(`discovery document ${url.href} names issuer ${JSON.stringify(document?.issuer)}, not ${JSON.stringify(options.issuer)}`);
    }
    if (typeof document.jwks_uri !== 'string') throw new Error(`discovery document ${url.href} has no jwks_uri`);
    const jwksUrl = new URL(document.jwks_uri);
    const insecure = insecureUrlReason(jwksUrl, options.allowInsecureHttp, 'keys');
    if (insecure) throw new Error(`discovered jwks_uri ${jwksUrl.href} ${insecure}`);
    return createRemoteJWKSet(jwksUrl, {
      cooldownDuration: options.cooldownMs,
      cacheMaxAge: options.cacheMaxAgeMs,
      timeoutDuration: options.timeoutMs,
      headers: { ...options.headers },
      ...(options.fetch ? { [customFetch]: options.fetch } : {}),
    });
  };

  return async (header, token) => {
    if (remote === undefined) {
      if (discovering === undefined) {
        if (failure !== undefined && options.clock() - failure.at < options.cooldownMs) throw failure.error;
        discovering = discover().then(
          (lookup) => (remote = lookup),
          (error: unknown) => {
            failure = { at: options.clock(), error };
            discovering = undefined;
            options.onDiscoveryFailed?.(error);
            throw error;
          },
        );
      }
      await discovering;
    }
    return remote!(header, token);
  };
}
