import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JSONWebKeySet, type JWK } from 'jose';

/** Claims for {@link TestIssuer.sign}. A claim set to `undefined` is left out of the token (to test missing claims). */
export type TestClaims = Readonly<Record<string, unknown>>;

export interface TestIssuerOptions {
  /** `iss` of the tokens. Default `https://issuer.test`. */
  readonly issuer?: string;
  /** Signing algorithm. Default `ES256`. */
  readonly alg?: 'ES256' | 'ES384' | 'EdDSA' | 'RS256' | 'PS256';
  /** Key id, in the JWKS and in token headers. Default: random. */
  readonly kid?: string;
  /** Default `aud`. Default `api.test`. */
  readonly audience?: string | readonly string[];
  /** Current time, epoch ms, for default `iat`/`exp`. Default `Date.now`. */
  readonly clock?: () => number;
  /** Default token lifetime (`exp − iat`), seconds. Default 300. */
  readonly lifetimeSeconds?: number;
}

export interface SignOptions {
  /** Merged over the default protected header `{ alg, kid, typ: 'at+jwt' }`; a value `undefined` removes that member. */
  readonly header?: Readonly<Record<string, unknown>>;
}

/** A throwaway token issuer: a fresh key pair, its public JWKS, and an RFC 9068 token signer. */
export interface TestIssuer {
  readonly issuer: string;
  readonly alg: string;
  readonly kid: string;
  /** The public key set to configure a verifier with. */
  readonly jwks: JSONWebKeySet;
  readonly publicJwk: JWK;
  readonly publicKey: CryptoKey;
  readonly privateKey: CryptoKey;
  /** The default claims for `now`: iss, sub, aud, client_id, iat, exp, jti (fresh), scope. */
  defaultClaims(): Record<string, unknown>;
  /** Signs an access token: defaults overlaid with `claims`. */
  sign(claims?: TestClaims, options?: SignOptions): Promise<string>;
}

const withoutUndefined = (record: Readonly<Record<string, unknown>>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));

/**
 * Creates a test issuer.
 *
 * @example
 * const issuer = await createTestIssuer({ issuer: 'https://auth.test', audience: 'orders' });
 * const token = await issuer.sign({ sub: 'alice' });
 * const sidecar = createSidecar({ issuer: issuer.issuer, audience: 'orders', keys: { jwks: issuer.jwks }, ... });
 */
export async function createTestIssuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  const alg = options.alg ?? 'ES256';
  const issuer = options.issuer ?? 'https://issuer.test';
  const kid = options.kid ?? `test-${randomUUID().slice(0, 8)}`;
  const clock = options.clock ?? Date.now;
  const lifetime = options.lifetimeSeconds ?? 300;
  const audience = options.audience ?? 'api.test';
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };

  const defaultClaims = (): Record<string, unknown> => {
    const iat = Math.floor(clock() / 1000);
    return {
      iss: issuer,
      sub: 'user-1',
      aud: Array.isArray(audience) ? [...audience] : audience,
      client_id: 'client-1',
      iat,
      exp: iat + lifetime,
      jti: randomUUID(),
      scope: 'read',
    };
  };

  return {
    issuer,
    alg,
    kid,
    jwks: { keys: [publicJwk] },
    publicJwk,
    publicKey,
    privateKey,
    defaultClaims,
    async sign(claims = {}, signOptions = {}) {
      const payload = withoutUndefined({ ...defaultClaims(), ...claims });
      const header = withoutUndefined({ alg, kid, typ: 'at+jwt', ...signOptions.header });
      return new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(privateKey);
    },
  };
}
