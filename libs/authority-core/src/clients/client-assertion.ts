import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { ClientAuthenticationError } from '../errors/errors';
import { isUniqueViolation, translateStoreError, type AuthorityStore } from '../store/store';
import type { Clock, Seconds } from '../time/clock';
import type { Client, ClientRegistry } from './client-registry';

/** `client_assertion_type` of a JWT client assertion (RFC 7523 §2.2). */
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Signature algorithms accepted on client assertions: asymmetric only (no shared secret, no `none`). */
export const CLIENT_ASSERTION_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;

/** Default longest life of an assertion (`exp` ahead of now, and `exp - iat`), seconds. */
export const DEFAULT_MAX_ASSERTION_LIFETIME_SECONDS: Seconds = 300;
/** Default tolerated clock difference with the client on `exp`, `iat`, `nbf`, seconds. */
export const DEFAULT_ASSERTION_CLOCK_TOLERANCE_SECONDS: Seconds = 30;
/** Longest `jti` kept (longer ones are refused): the replay store stays small. */
export const MAX_ASSERTION_JTI_LENGTH = 256;
/** Remote key sets kept (one per `jwks_uri`); the least recently used is dropped beyond this. */
export const MAX_REMOTE_KEY_SETS = 1000;

export interface ClientAssertionVerifierOptions {
  readonly store: AuthorityStore;
  readonly clients: Pick<ClientRegistry, 'find'>;
  /**
   * Accepted `aud` values: the token endpoint URL (OpenID Connect Core §9) and the issuer
   * (RFC 7523 §3 lets the authorization server be named either way).
   */
  readonly audiences: readonly string[];
  readonly clock: Clock;
  /** Default {@link DEFAULT_MAX_ASSERTION_LIFETIME_SECONDS}: a later `exp` is refused, and `jti`s are kept this long at most. */
  readonly maxLifetimeSeconds?: Seconds;
  /** Default {@link DEFAULT_ASSERTION_CLOCK_TOLERANCE_SECONDS}. */
  readonly clockToleranceSeconds?: Seconds;
  /** How a `jwks_uri` becomes a key set. Default: jose `createRemoteJWKSet` (5 s timeout, 30 s cooldown, 10 min cache). */
  readonly remoteKeySet?: (uri: URL) => JWTVerifyGetKey;
}

/** Verifies `private_key_jwt` client assertions (RFC 7523 §3, OpenID Connect Core §9). */
export interface ClientAssertionVerifier {
  /**
   * Checks a client assertion: signed (asymmetric algorithm) by a key of the client's registered
   * JWKS or JWKS URL; `iss` = `sub` = the client's id (= `clientId` when the request named one);
   * `aud` one of the accepted audiences; `exp` present, not passed, at most the maximum lifetime
   * ahead (and `exp - iat` within it too); `jti` present and never seen before from this client.
   * The `jti` is kept in the store until `exp`, so a replay is refused across restarts too;
   * expired entries are deleted as new assertions arrive.
   *
   * @throws {ClientAuthenticationError} `invalid` for every failed check (cause kept), `replayed`
   *   for a `jti` already used, `disabled` for a valid assertion of a disabled client.
   */
  verify(assertion: string, clientId?: string): Promise<Client>;
  /** The client the assertion claims to be (`sub`, unverified), for throttling; undefined if unreadable. */
  claimedClientId(assertion: string): string | undefined;
}

export function createClientAssertionVerifier(options: ClientAssertionVerifierOptions): ClientAssertionVerifier {
  const { store, clients, clock } = options;
  const maxLifetime = options.maxLifetimeSeconds ?? DEFAULT_MAX_ASSERTION_LIFETIME_SECONDS;
  const tolerance = options.clockToleranceSeconds ?? DEFAULT_ASSERTION_CLOCK_TOLERANCE_SECONDS;
  if (options.audiences.length === 0) throw new TypeError('a client assertion verifier needs at least one accepted audience');
  const remoteKeySet = options.remoteKeySet ?? ((uri: URL) => createRemoteJWKSet(uri));
  const remote = new Map<string, JWTVerifyGetKey>();
  const local = new Map<string, { readonly updatedAt: number; readonly keys: JWTVerifyGetKey }>();
  const db = store.db;
  const pruneJtis = db.prepare('DELETE FROM client_assertion_jtis WHERE expires_at <= ?');
  const insertJti = db.prepare('INSERT INTO client_assertion_jtis (client_id, jti, expires_at) VALUES (?, ?, ?)');

  const keysOf = (client: Client): JWTVerifyGetKey => {
    if (client.jwks !== null) {
      const cached = local.get(client.clientId);
      if (cached !== undefined && cached.updatedAt === client.updatedAt) return cached.keys;
      const keys = createLocalJWKSet(client.jwks);
      local.set(client.clientId, { updatedAt: client.updatedAt, keys });
      return keys;
    }
    const uri = client.jwksUri;
    if (uri === null) throw new ClientAuthenticationError('invalid');
    let keys = remote.get(uri);
    if (keys === undefined) {
      keys = remoteKeySet(new URL(uri));
      if (remote.size >= MAX_REMOTE_KEY_SETS) remote.delete(remote.keys().next().value as string);
    } else {
      remote.delete(uri);
    }
    remote.set(uri, keys);
    return keys;
  };

  const claimedClientId = (assertion: string): string | undefined => {
    try {
      const sub = decodeJwt(assertion).sub;
      return typeof sub === 'string' ? sub : undefined;
    } catch {
      return undefined;
    }
  };

  return {
    claimedClientId,

    async verify(assertion, clientId) {
      const claimed = claimedClientId(assertion);
      if (claimed === undefined || (clientId !== undefined && clientId !== claimed)) throw new ClientAuthenticationError('invalid');
      const client = clients.find(claimed);
      if (client === undefined || client.authMethod !== 'private_key_jwt') throw new ClientAuthenticationError('invalid');
      const nowMs = clock.now();
      let payload;
      try {
        ({ payload } = await jwtVerify(assertion, keysOf(client), {
          issuer: client.clientId,
          subject: client.clientId,
          audience: [...options.audiences],
          algorithms: [...CLIENT_ASSERTION_ALGORITHMS],
          requiredClaims: ['exp', 'jti'],
          currentDate: new Date(nowMs),
          clockTolerance: tolerance,
        }));
      } catch (error) {
        throw new ClientAuthenticationError('invalid', { cause: error });
      }
      const exp = payload.exp as number;
      const now = nowMs / 1000;
      if (exp - now > maxLifetime + tolerance) throw new ClientAuthenticationError('invalid', { cause: new Error(`exp is more than ${maxLifetime} s ahead`) });
      if (payload.iat !== undefined && exp - payload.iat > maxLifetime) throw new ClientAuthenticationError('invalid', { cause: new Error(`exp - iat exceeds ${maxLifetime} s`) });
      const jti = payload.jti;
      if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_ASSERTION_JTI_LENGTH) throw new ClientAuthenticationError('invalid', { cause: new Error('jti must be 1..256 characters') });
      if (!client.enabled) throw new ClientAuthenticationError('disabled');
      store.transaction(() => {
        try {
          pruneJtis.run(nowMs);
          // Kept until the assertion can no longer pass the exp check (tolerance included).
          insertJti.run(client.clientId, jti, (exp + tolerance) * 1000);
        } catch (error) {
          if (isUniqueViolation(error)) throw new ClientAuthenticationError('replayed');
          throw translateStoreError(error, 'cannot record the client assertion');
        }
      });
      return client;
    },
  };
}
