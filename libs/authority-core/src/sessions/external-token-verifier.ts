import { createRemoteJWKSet, decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import type { IssuerRegistry } from '../issuers/issuer-registry';
import type { Clock } from '../time/clock';

/** Algorithms accepted on an external issuer's tokens: asymmetric only (never `none`, never a MAC). */
export const EXTERNAL_TOKEN_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** Why an external token was refused (the grant answers `invalid_grant` for each). */
export class ExternalTokenError extends Error {
  override readonly name = 'ExternalTokenError';
}

/** Verifies tokens of the registered trusted issuers (Keycloak, Auth0, Okta, Entra…). */
export interface ExternalTokenVerifier {
  /**
   * The verified claims of `token`, issued by `iss` (a registered, enabled trusted issuer): keys
   * from the issuer's OpenID discovery document (`jwks_uri`, fetched once per issuer and cached
   * by jose, refetched on an unknown `kid`), signature, `exp`/`nbf`, required `sub`.
   * @throws {ExternalTokenError} for an untrusted issuer, unreachable keys or an invalid token.
   */
  verify(token: string, iss: string): Promise<JWTPayload>;
}

export interface ExternalTokenVerifierOptions {
  readonly issuers: Pick<IssuerRegistry, 'list'>;
  readonly clock: Clock;
  /** Longest wait for the discovery document or the JWKS, ms. Default 5000. */
  readonly timeoutMs?: number;
  /** Tolerated clock skew with the issuer, seconds. Default 5 (the sidecar's). */
  readonly clockToleranceSeconds?: number;
  /** For tests: the fetch used for discovery. Default the global fetch. */
  readonly fetch?: typeof fetch;
}

/** The `iss` of a JWT without verifying it (to pick the keys), or undefined when unreadable. */
export function unverifiedIssuer(token: string): string | undefined {
  try {
    const iss = decodeJwt(token).iss;
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

export function createExternalTokenVerifier(options: ExternalTokenVerifierOptions): ExternalTokenVerifier {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const doFetch = options.fetch ?? fetch;
  const keySets = new Map<string, Promise<ReturnType<typeof createRemoteJWKSet>>>();

  async function discover(iss: string): Promise<ReturnType<typeof createRemoteJWKSet>> {
    const url = `${iss.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    let document: unknown;
    try {
      const response = await doFetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      document = await response.json();
    } catch (error) {
      throw new ExternalTokenError(`cannot read the discovery document of ${iss}: ${String(error)}`);
    }
    const doc = document as { issuer?: unknown; jwks_uri?: unknown };
    // OpenID Connect Discovery §4.3: the document must name exactly the issuer it was fetched for.
    if (doc.issuer !== iss) throw new ExternalTokenError(`the discovery document of ${iss} names another issuer`);
    if (typeof doc.jwks_uri !== 'string') throw new ExternalTokenError(`the discovery document of ${iss} has no jwks_uri`);
    return createRemoteJWKSet(new URL(doc.jwks_uri), { timeoutDuration: timeoutMs });
  }

  return {
    async verify(token, iss) {
      const trusted = options.issuers.list().find((i) => i.issuer === iss);
      if (trusted === undefined || !trusted.enabled) throw new ExternalTokenError(`issuer ${iss} is not a trusted issuer`);
      let keys = keySets.get(iss);
      if (keys === undefined) {
        keys = discover(iss);
        keySets.set(iss, keys);
        // A failed discovery is retried at the next token rather than cached.
        keys.catch(() => keySets.delete(iss));
      }
      try {
        const { payload } = await jwtVerify(token, await keys, {
          issuer: iss,
          algorithms: EXTERNAL_TOKEN_ALGORITHMS,
          requiredClaims: ['sub', 'exp'],
          clockTolerance: options.clockToleranceSeconds ?? 5,
          currentDate: new Date(options.clock.now()),
        });
        return payload;
      } catch (error) {
        if (error instanceof ExternalTokenError) throw error;
        throw new ExternalTokenError(`the token of ${iss} does not verify: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
  };
}
