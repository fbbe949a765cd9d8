import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Client } from '../clients/client-registry';
import { AudienceNotAllowedError, ScopeNotAllowedError, SigningError } from '../errors/errors';
import type { SigningKeys } from '../keys/signing-keys';
import type { PolicySource } from '../policy/policy-document';
import type { KillSwitchCuts } from '../kill-switch/kill-switch-service';
import type { RevocationService } from '../revocations/revocation-service';
import { realSleep, systemClock, type Clock, type Seconds, type Sleep } from '../time/clock';

/** `typ` header of RFC 9068 JWT access tokens. */
export const ACCESS_TOKEN_TYP = 'at+jwt';

/** Claims of an access token (RFC 9068 §2.2). */
export interface AccessTokenClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: string;
  readonly exp: Seconds;
  readonly iat: Seconds;
  readonly jti: string;
  readonly client_id: string;
  /** Space-delimited; absent when the client has no scopes. */
  readonly scope?: string;
  /** The session (token exchange, refresh): a `sid` revocation ends every token of it. */
  readonly sid?: string;
  /** RFC 8693 §4.1: the party acting for `sub` (a service with its own token), nested for a chain. */
  readonly act?: ActorClaim;
  /** RFC 9449 §6.1: the DPoP key the token is bound to (its RFC 7638 thumbprint). */
  readonly cnf?: { readonly jkt: string };
}

/** RFC 8693 §4.1 `act`: who acts; an inner `act` is who that actor acted for in turn. */
export interface ActorClaim {
  readonly sub: string;
  readonly client_id?: string;
  readonly act?: ActorClaim;
}

/** A session's access token (token exchange, refresh), after the grant's checks. */
export interface SessionTokenRequest {
  readonly sub: string;
  readonly clientId: string;
  readonly audience: string;
  /** Space-delimited, possibly empty. */
  readonly scope: string;
  readonly sid: string;
  readonly act?: ActorClaim;
  /** The session policy's lifetime; capped further like every token (audience, TTL, maximum). */
  readonly lifetimeSeconds: Seconds;
  /** The DPoP key to bind the token to (`DpopTokenBinding.bind`): `cnf.jkt`, `token_type: DPoP`. */
  readonly jkt?: string;
}

/** An issued token and what the token endpoint answers with (RFC 6749 §5.1). */
export interface IssuedToken {
  readonly accessToken: string;
  /** `DPoP` for a token bound to a key (`cnf.jkt`), else `Bearer`. */
  readonly tokenType: 'Bearer' | 'DPoP';
  readonly expiresIn: Seconds;
  /** Granted scopes, space-delimited (may be empty). */
  readonly scope: string;
  readonly claims: AccessTokenClaims;
}

/** A client-credentials token request, after client authentication. */
export interface ClientCredentialsRequest {
  /** Space-delimited scopes; each must be one of the client's. Default: all of them. */
  readonly scope?: string;
  /** One of the client's audiences. Default: its first. */
  readonly audience?: string;
  /** The DPoP key to bind the token to (`DpopTokenBinding.bind`): `cnf.jkt`, `token_type: DPoP`. */
  readonly jkt?: string;
}

/** The claim and token type of a token bound (or not) to a DPoP key. */
const dpopBinding = (jkt: string | undefined): { readonly cnf?: { readonly jkt: string } } => (jkt === undefined ? {} : { cnf: { jkt } });
const tokenTypeFor = (jkt: string | undefined): 'Bearer' | 'DPoP' => (jkt === undefined ? 'Bearer' : 'DPoP');

export interface TokenIssuer {
  /**
   * Issues an access token for an authenticated client (`sub` = `client_id`).
   * @throws {ScopeNotAllowedError} when a requested scope is not the client's.
   * @throws {AudienceNotAllowedError} when the audience is not the client's.
   * @throws {SigningError} when signing fails.
   */
  issueClientCredentials(client: Client, request: ClientCredentialsRequest): Promise<IssuedToken>;
  /**
   * Issues a session's access token (`sid`, the user's `sub`, the client, `act`).
   * @throws {SigningError} when signing fails.
   */
  issueSessionToken(request: SessionTokenRequest): Promise<IssuedToken>;
}

export interface TokenIssuerOptions {
  /** `iss` claim; the authority's issuer URL. */
  readonly issuer: string;
  readonly keys: SigningKeys;
  readonly revocations: Pick<RevocationService, 'latestNotAfterIat'>;
  /** Kill-switch cuts: no token of an audience gets an `iat` at or before its (or the global) cut. */
  readonly killSwitch?: KillSwitchCuts;
  /** Lifetime of access tokens, seconds (1..86400); also the ceiling of every per-audience lifetime. */
  readonly accessTokenTtlSeconds: Seconds;
  /**
   * The security policy, read on every token: `tokens.audiences.<aud>.lifetimeSeconds` shortens
   * the lifetime of that audience's tokens (never lengthens it: key retirement waits only for
   * `accessTokenTtlSeconds`), and no token lives longer than `tokens.maxLifetimeSeconds`.
   * Absent: every token lives `accessTokenTtlSeconds`.
   */
  readonly policy?: PolicySource;
  readonly clock?: Clock;
  readonly sleep?: Sleep;
}

function grantedScopes(client: Client, requested: string | undefined): string[] {
  if (requested === undefined) return [...client.scopes];
  const asked = [...new Set(requested.split(' ').filter((s) => s.length > 0))];
  const notAllowed = asked.filter((s) => !client.scopes.includes(s));
  if (notAllowed.length > 0) throw new ScopeNotAllowedError(notAllowed);
  return asked;
}

/** Creates the token issuer. */
export function createTokenIssuer(options: TokenIssuerOptions): TokenIssuer {
  const { issuer, keys, revocations, accessTokenTtlSeconds: ttl } = options;
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? realSleep;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 86_400) {
    throw new TypeError('accessTokenTtlSeconds must be an integer in 1..86400');
  }

  /**
   * min(the audience's policy lifetime, the global TTL, the policy's `tokens.maxLifetimeSeconds`):
   * the policy is read now, so a change applies to the next token. Policy validation already
   * refuses a lifetime above the maximum; the cap here makes a longer token impossible whatever
   * got into the store, since sidecars reject one (`TOKEN_LIFETIME_EXCEEDED`).
   */
  function lifetimeFor(audience: string): Seconds {
    const tokens = options.policy?.current().tokens;
    const configured = tokens?.audiences[audience]?.lifetimeSeconds;
    const lifetime = configured === undefined ? ttl : Math.min(configured, ttl);
    return tokens === undefined ? lifetime : Math.min(lifetime, tokens.maxLifetimeSeconds);
  }

  /**
   * The `iat` to stamp: the current second, unless a revocation for this subject or client
   * already covers it. `iat` has one-second granularity and rules deny `iat <= not_after_iat`,
   * so a token issued in the same second *after* a revocation would be denied although it is
   * newer than the revocation. Waiting until the next whole second (at most ~1 s, only for
   * subjects revoked this very second) makes "issued after the revocation" and "iat after
   * not_after_iat" the same thing. Re-checked after the wait: another revocation may land.
   */
  async function nextIat(sub: string, clientId: string, audience: string): Promise<Seconds> {
    for (;;) {
      const now = clock.now();
      const second = Math.floor(now / 1000);
      // A kill switch engaged this second is the same problem: its cut covers the whole second.
      const covered = Math.max(
        revocations.latestNotAfterIat({ sub, clientId }) ?? -1,
        options.killSwitch?.notAfterIat(audience) ?? -1,
      );
      if (covered < second) return second;
      await sleep((covered + 1) * 1000 - now);
    }
  }

  async function sign(claims: AccessTokenClaims): Promise<string> {
    const key = keys.active;
    try {
      return await new SignJWT({ ...claims })
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: ACCESS_TOKEN_TYP })
        .sign(key.privateKey);
    } catch (error) {
      throw new SigningError(`cannot sign the access token: ${String(error)}`, { cause: error });
    }
  }

  return {
    async issueClientCredentials(client, request) {
      const scopes = grantedScopes(client, request.scope);
      const audience = request.audience ?? client.audiences[0];
      if (audience === undefined || !client.audiences.includes(audience)) {
        throw new AudienceNotAllowedError(request.audience ?? '');
      }
      const sub = client.clientId;
      const iat = await nextIat(sub, client.clientId, audience);
      const scope = scopes.join(' ');
      const lifetime = lifetimeFor(audience);
      const claims: AccessTokenClaims = {
        iss: issuer,
        sub,
        aud: audience,
        exp: iat + lifetime,
        iat,
        jti: randomUUID(),
        client_id: client.clientId,
        ...(scope.length > 0 ? { scope } : {}),
        ...dpopBinding(request.jkt),
      };
      return { accessToken: await sign(claims), tokenType: tokenTypeFor(request.jkt), expiresIn: lifetime, scope, claims };
    },

    async issueSessionToken(request) {
      const { sub, clientId, audience, scope, sid } = request;
      const iat = await nextIat(sub, clientId, audience);
      const lifetime = Math.min(lifetimeFor(audience), request.lifetimeSeconds);
      const claims: AccessTokenClaims = {
        iss: issuer,
        sub,
        aud: audience,
        exp: iat + lifetime,
        iat,
        jti: randomUUID(),
        client_id: clientId,
        ...(scope.length > 0 ? { scope } : {}),
        sid,
        ...(request.act === undefined ? {} : { act: request.act }),
        ...dpopBinding(request.jkt),
      };
      return { accessToken: await sign(claims), tokenType: tokenTypeFor(request.jkt), expiresIn: lifetime, scope, claims };
    },
  };
}
