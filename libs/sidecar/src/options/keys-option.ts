import type { JSONWebKeySet } from 'jose' with { 'resolution-mode': 'import' };
import { z } from 'zod';
import type { Milliseconds } from '../internal/units';
import { PRIVATE_JWK_MEMBERS } from './event-signers-option';

/** Defaults of the remote key options (jose's cooldown; our cache age and timeout). */
export const REMOTE_KEYS_DEFAULTS = {
  jwksCooldownMs: 30_000,
  jwksCacheMaxAgeMs: 600_000,
  jwksTimeoutMs: 5_000,
} as const;

/** How a remote key set (a JWKS URL, or one found by discovery) is fetched and cached. */
export interface ResolvedRemoteFetch {
  readonly cooldownMs: Milliseconds;
  readonly cacheMaxAgeMs: Milliseconds;
  readonly timeoutMs: Milliseconds;
  readonly headers: Readonly<Record<string, string>>;
  readonly fetch: typeof fetch | undefined;
  /** Whether a plain-http URL on a non-loopback host is accepted (applies to a discovered `jwks_uri`). */
  readonly allowInsecureHttp: boolean;
}

/** A key option after validation. */
export type ResolvedKeys =
  | { readonly kind: 'kafka' }
  | ({ readonly kind: 'remote'; readonly url: URL } & ResolvedRemoteFetch)
  | ({ readonly kind: 'discovery'; readonly issuer: string } & ResolvedRemoteFetch)
  | { readonly kind: 'static'; readonly jwks: JSONWebKeySet };

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);

/** True for 127.0.0.0/8, `[::1]` and `localhost`: plain http there never leaves the host. */
export const isLoopback = (hostname: string): boolean => LOOPBACK_HOSTS.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname);

/**
 * Why `url` may not be used to fetch keys, or undefined. `https:` always passes; `http:` only on a
 * loopback host or with `allowInsecureHttp`. `field` names the option in the message.
 */
export function insecureUrlReason(url: URL, allowInsecureHttp: boolean, field: string): string | undefined {
  if (url.protocol === 'https:') return undefined;
  if (url.protocol !== 'http:') return `must be an https: URL, got ${url.protocol}`;
  if (isLoopback(url.hostname) || allowInsecureHttp) return undefined;
  return `must use https: (anyone on the network path of a plain-http key request can substitute keys and mint tokens); use https, or set ${field}.allowInsecureHttp: true if you accept that risk`;
}

const isFunction = (value: unknown): boolean => typeof value === 'function';
const REMOTE_ONLY = ['cooldownMs', 'cacheMaxAgeMs', 'timeoutMs', 'headers', 'fetch', 'allowInsecureHttp'] as const;

/**
 * The schema of a `keys` option. `allowDiscovery` is false for the top-level `keys` (the revmesh
 * authority's) and true for an entry of `issuers`, where `{ discovery: true }` is accepted; the
 * discovery URL itself is checked with the issuer (see issuers-option.ts).
 */
export function keysOptionSchema(allowDiscovery: boolean) {
  const shapes = allowDiscovery
    ? "{ discovery: true } (OIDC discovery), { jwksUrl }, { jwks } (static) or { source: 'kafka' } (the keys topic: the revmesh authority only)"
    : "{ source: 'kafka' } (the default), { jwks } or { jwksUrl }";
  return z
    .strictObject(
      {
        source: z.literal('kafka', { error: "must be 'kafka' (the keys topic)" }).optional(),
        discovery: z.literal(true, { error: 'must be true (fetch <issuer>/.well-known/openid-configuration and use its jwks_uri)' }).optional(),
        jwksUrl: z.string({ error: 'must be a URL string, e.g. https://auth.example.com/.well-known/jwks.json' }).optional(),
        jwks: z.custom<JSONWebKeySet>((v) => typeof v === 'object' && v !== null, { error: 'must be a JSON Web Key Set object: { keys: [...] }' }).optional(),
        cooldownMs: z.number().int().nonnegative('must be >= 0 ms').optional(),
        cacheMaxAgeMs: z.number().int().positive('must be > 0 ms').optional(),
        timeoutMs: z.number().int().positive('must be > 0 ms').optional(),
        headers: z.record(z.string(), z.string()).optional(),
        fetch: z.custom<typeof fetch>(isFunction, { error: 'must be a fetch-compatible function' }).optional(),
        allowInsecureHttp: z.boolean().optional(),
      },
      { error: `must be an object: ${shapes}` },
    )
    .superRefine((keys, ctx) => {
      if (keys.discovery !== undefined && !allowDiscovery) {
        ctx.addIssue({
          code: 'custom',
          path: ['discovery'],
          message: 'applies only to an entry of options.issuers (the top-level issuer is the revmesh authority: use its keys topic or its jwksUrl)',
        });
        return;
      }
      const given = [keys.source, keys.discovery, keys.jwksUrl, keys.jwks].filter((v) => v !== undefined).length;
      if (given !== 1) {
        ctx.addIssue({
          code: 'custom',
          message: allowDiscovery
            ? `give exactly one of ${shapes}`
            : "give exactly one of keys.jwksUrl (fetch the authority key set), keys.jwks (a static key set, for tests) or keys.source: 'kafka' (the keys topic; the default when keys is omitted)",
        });
        return;
      }
      if (keys.source !== undefined || keys.jwks !== undefined) {
        for (const k of REMOTE_ONLY) {
          if (keys[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: allowDiscovery ? 'applies only with jwksUrl or discovery' : 'applies only with keys.jwksUrl' });
        }
      }
      if (keys.jwks !== undefined) {
        checkStaticJwks(keys.jwks, ctx);
        return;
      }
      if (keys.jwksUrl === undefined) return;
      let url: URL;
      try {
        url = new URL(keys.jwksUrl);
      } catch {
        ctx.addIssue({ code: 'custom', path: ['jwksUrl'], message: `${JSON.stringify(keys.jwksUrl)} is not an absolute URL` });
        return;
      }
      const insecure = insecureUrlReason(url, keys.allowInsecureHttp === true, 'keys');
      if (insecure) ctx.addIssue({ code: 'custom', path: ['jwksUrl'], message: insecure });
    });
}

/** A static key set must be non-empty and hold public keys only. */
function checkStaticJwks(jwks: JSONWebKeySet, ctx: z.RefinementCtx): void {
  const list = (jwks as { keys?: unknown }).keys;
  if (!Array.isArray(list) || list.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['jwks', 'keys'], message: 'must be a non-empty array of public JWKs' });
    return;
  }
  list.forEach((jwk: unknown, i) => {
    if (typeof jwk !== 'object' || jwk === null || typeof (jwk as { kty?: unknown }).kty !== 'string') {
      ctx.addIssue({ code: 'custom', path: ['jwks', 'keys', i], message: 'must be a JWK object with a "kty"' });
      return;
    }
    const record = jwk as Record<string, unknown>;
    if (record['kty'] === 'oct') {
      ctx.addIssue({ code: 'custom', path: ['jwks', 'keys', i], message: 'is a symmetric ("oct") key; the sidecar verifies with public keys only' });
      return;
    }
    const secret = PRIVATE_JWK_MEMBERS.find((m) => record[m] !== undefined);
    if (secret) {
      ctx.addIssue({
        code: 'custom',
        path: ['jwks', 'keys', i],
        message: `contains private key material ("${secret}"); pass only the public key (jose exportJWK(publicKey))`,
      });
    }
  });
}

/** A parsed `keys` option (any of its shapes). */
export type ParsedKeysOption = z.infer<ReturnType<typeof keysOptionSchema>>;

/** Applies defaults to a validated `keys` option; `issuer` is the issuer URL (used by discovery). */
export function resolveKeysOption(keys: ParsedKeysOption | undefined, issuer: string | undefined): ResolvedKeys {
  if (keys === undefined || keys.source !== undefined) return { kind: 'kafka' };
  if (keys.jwks !== undefined) return { kind: 'static', jwks: structuredClone(keys.jwks) };
  const remote: ResolvedRemoteFetch = {
    cooldownMs: keys.cooldownMs ?? REMOTE_KEYS_DEFAULTS.jwksCooldownMs,
    cacheMaxAgeMs: keys.cacheMaxAgeMs ?? REMOTE_KEYS_DEFAULTS.jwksCacheMaxAgeMs,
    timeoutMs: keys.timeoutMs ?? REMOTE_KEYS_DEFAULTS.jwksTimeoutMs,
    headers: { ...(keys.headers ?? {}) },
    fetch: keys.fetch,
    allowInsecureHttp: keys.allowInsecureHttp === true,
  };
  if (keys.discovery) {
    if (issuer === undefined) throw new TypeError('createSidecar: keys.discovery needs an issuer URL');
    return { kind: 'discovery', issuer, ...remote };
  }
  return { kind: 'remote', url: new URL(keys.jwksUrl!), ...remote };
}
