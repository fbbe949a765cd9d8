import { z } from 'zod';

/**
 * The policy sections of sessions, token exchange and introspection (`sessions`,
 * `tokenExchange`, `introspection` in the policy file). Defaults are documented here and nowhere
 * else; `deploy/policy.example.yaml` shows them.
 */

const int = (min: number, max: number) => z.int().min(min).max(max);
const clientId = z.string().regex(/^[A-Za-z0-9._~-]{1,128}$/, 'must be a client_id');
/** An issuer URL, or `self` for the authority's own tokens. */
const exchangeIssuer = z.union([z.literal('self'), z.url().max(2048)]);

/** Name of the authority's own issuer in `tokenExchange.rules[].issuers`. */
export const SELF_ISSUER = 'self';

export const SESSION_POLICY_DEFAULTS = {
  accessTokenLifetimeSeconds: 300,
  idleSeconds: 86_400,
  absoluteSeconds: 7 * 86_400,
  reuseGraceSeconds: 2,
} as const;

export const sessionsPolicySchema = z
  .strictObject({
    /**
     * Lifetime of a session's access tokens, seconds. Default 300 (5 minutes): a session lives on
     * through its refresh token, so its access tokens can be short. Also capped by the audience's
     * `tokens.audiences.<aud>.lifetimeSeconds`, REVMESH_ACCESS_TOKEN_TTL_SECONDS and
     * `tokens.maxLifetimeSeconds`.
     */
    accessTokenLifetimeSeconds: int(30, 86_400).default(SESSION_POLICY_DEFAULTS.accessTokenLifetimeSeconds),
    /** A session not refreshed for this long ends (idle timeout), seconds. Default 86400 (1 day). */
    idleSeconds: int(60, 366 * 86_400).default(SESSION_POLICY_DEFAULTS.idleSeconds),
    /** A session ends this long after the exchange that started it, refreshed or not, seconds. Default 604800 (7 days). */
    absoluteSeconds: int(60, 366 * 86_400).default(SESSION_POLICY_DEFAULTS.absoluteSeconds),
    /**
     * A rotated refresh token presented again within this many seconds of its rotation is taken
     * for a concurrent request of the same client (two tabs, a retry) and answered with fresh
     * tokens of the same session; after it, the presentation is reuse: the whole session is
     * revoked and a `refresh_token_reuse` alert raised. Seconds, default 2; 0 treats every second
     * use as reuse.
     */
    reuseGraceSeconds: int(0, 60).default(SESSION_POLICY_DEFAULTS.reuseGraceSeconds),
  })
  .default({ ...SESSION_POLICY_DEFAULTS });
export type SessionsPolicy = z.infer<typeof sessionsPolicySchema>;

/** One token-exchange permission: these clients may exchange these issuers' tokens for these audiences. */
export const exchangeRuleSchema = z.strictObject({
  /** The clients (client_id) allowed. */
  clients: z.array(clientId).min(1).max(200),
  /** Issuers of subject (and actor) tokens accepted: registered trusted issuers, or `self` for the authority's own tokens. */
  issuers: z.array(exchangeIssuer).min(1).max(50),
  /** Audiences the exchanged token may be for; a request without `audience`/`resource` gets the first. */
  audiences: z.array(z.string().min(1).max(256)).min(1).max(50),
});
export type ExchangeRule = z.infer<typeof exchangeRuleSchema>;

export const tokenExchangePolicySchema = z
  .strictObject({
    /**
     * Who may exchange what (RFC 8693). Deny by default: with no rule, every exchange is refused
     * with `unauthorized_client`. A request is allowed when one rule lists the client, the subject
     * token's issuer (and the actor token's, if any) and the requested audience.
     */
    rules: z.array(exchangeRuleSchema).max(200).default([]),
  })
  .default({ rules: [] });
export type TokenExchangePolicy = z.infer<typeof tokenExchangePolicySchema>;

export const introspectionPolicySchema = z
  .strictObject({
    /**
     * Clients (client_id) that may call `/oauth/introspect` (resource servers that cannot run the
     * sidecar). Default none: introspection is refused to every client until listed here.
     */
    clients: z.array(clientId).max(200).default([]),
  })
  .default({ clients: [] });
export type IntrospectionPolicy = z.infer<typeof introspectionPolicySchema>;

/** Cross-field rules of the sessions section, as `{field, message}`. */
export function sessionPolicyErrors(sessions: SessionsPolicy, maxTokenLifetimeSeconds: number): { field: string; message: string }[] {
  const errors: { field: string; message: string }[] = [];
  if (sessions.idleSeconds > sessions.absoluteSeconds) {
    errors.push({ field: 'sessions.idleSeconds', message: `must be at most sessions.absoluteSeconds (${sessions.absoluteSeconds} s)` });
  }
  if (sessions.accessTokenLifetimeSeconds > maxTokenLifetimeSeconds) {
    errors.push({ field: 'sessions.accessTokenLifetimeSeconds', message: `must be at most tokens.maxLifetimeSeconds (${maxTokenLifetimeSeconds} s)` });
  }
  return errors;
}
