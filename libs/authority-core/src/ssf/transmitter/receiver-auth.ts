import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet } from 'jose';
import type { ClientRegistry } from '../../clients/client-registry';
import type { SigningKeys } from '../../keys/signing-keys';
import type { RevocationService } from '../../revocations/revocation-service';
import type { AuthorityStore } from '../../store/store';
import type { Clock } from '../../time/clock';
import { ACCESS_TOKEN_TYP } from '../../tokens/token-issuer';
import { SsfReceiverForbiddenError, SsfReceiverUnauthorizedError } from './transmitter-errors';

/** Scope of a receiver token that may create, change and delete its streams (and read them). */
export const SSF_MANAGE_SCOPE = 'ssf.manage';
/** Scope of a receiver token that may read its streams and poll them. */
export const SSF_READ_SCOPE = 'ssf.read';

/** What a request needs: `manage` for writes, `read` for reads and polls (`ssf.manage` covers both). */
export type ReceiverAccess = 'read' | 'manage';

/** An authenticated receiver: the OAuth client its token was issued to. */
export interface ReceiverIdentity {
  readonly clientId: string;
  readonly scopes: readonly string[];
}

export interface ReceiverAuthenticator {
  /**
   * Checks `Authorization: Bearer <token>`: an access token of this authority (RFC 9068 `at+jwt`,
   * signed by a current token key, `iss` ours, `aud` the transmitter's issuer, not expired),
   * of a registered client, not revoked (by `jti`, `sub` or `client_id`), carrying the scope.
   *
   * @throws {SsfReceiverUnauthorizedError} for a missing, malformed, invalid, expired or revoked token.
   * @throws {SsfReceiverForbiddenError} for a valid token without the scope.
   */
  authenticate(authorization: string | undefined, access: ReceiverAccess): Promise<ReceiverIdentity>;
}

export function createReceiverAuthenticator(options: {
  readonly issuer: string;
  readonly store: AuthorityStore;
  readonly keys: Pick<SigningKeys, 'jwks'>;
  readonly clients: Pick<ClientRegistry, 'find'>;
  readonly revocations: Pick<RevocationService, 'latestNotAfterIat'>;
  readonly clock: Clock;
}): ReceiverAuthenticator {
  const { issuer, keys, clients, revocations, clock } = options;
  const jtiRevoked = options.store.db.prepare<[string], { one: number }>(
    "SELECT 1 AS one FROM revocations WHERE target_type = 'jti' AND target_value = ? AND iss IS NULL LIMIT 1",
  );
  // Rebuilt only when the published key set changes (a rotation), not per request.
  let published: unknown;
  let keySet: ReturnType<typeof createLocalJWKSet> | undefined;
  const currentKeySet = (): ReturnType<typeof createLocalJWKSet> => {
    const jwks = keys.jwks();
    if (jwks !== published || keySet === undefined) {
      published = jwks;
      keySet = createLocalJWKSet(jwks as unknown as JSONWebKeySet);
    }
    return keySet;
  };
  const unauthorized = (why: string): never => {
    throw new SsfReceiverUnauthorizedError(why);
  };

  return {
    async authenticate(authorization, access) {
      const match = authorization === undefined ? null : /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(authorization);
      if (match === null) return unauthorized('a Bearer access token of this authority is required (client credentials with scope ssf.manage or ssf.read)');
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(match[1]!, currentKeySet(), {
          issuer,
          audience: issuer,
          typ: ACCESS_TOKEN_TYP,
          algorithms: ['ES256'],
          currentDate: new Date(clock.now()),
          requiredClaims: ['exp', 'iat', 'jti', 'sub', 'client_id'],
        }));
      } catch (error) {
        const why = error instanceof joseErrors.JWTExpired ? 'the access token has expired' : error instanceof joseErrors.JWTClaimValidationFailed ? `the access token's ${error.claim} is not valid here` : 'the access token is not valid';
        return unauthorized(why);
      }
      const clientId = payload['client_id'];
      const sub = payload['sub'];
      const jti = payload['jti'];
      const iat = payload['iat'];
      if (typeof clientId !== 'string' || typeof sub !== 'string' || typeof jti !== 'string' || typeof iat !== 'number') return unauthorized('the access token is not valid');
      if (clients.find(clientId) === undefined) return unauthorized('the access token is not valid');
      const latest = revocations.latestNotAfterIat({ sub, clientId });
      if ((latest !== undefined && iat <= latest) || jtiRevoked.get(jti) !== undefined) return unauthorized('the access token has been revoked');
      const scopes = typeof payload['scope'] === 'string' ? payload['scope'].split(' ').filter((s) => s.length > 0) : [];
      const allowed = scopes.includes(SSF_MANAGE_SCOPE) || (access === 'read' && scopes.includes(SSF_READ_SCOPE));
      if (!allowed) throw new SsfReceiverForbiddenError(access === 'manage' ? SSF_MANAGE_SCOPE : `${SSF_READ_SCOPE} or ${SSF_MANAGE_SCOPE}`);
      return { clientId, scopes };
    },
  };
}
