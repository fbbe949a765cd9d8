import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { accessTokenHash } from '@revmesh/contracts';

/** What a DPoP proof says; everything but `htm`/`htu` has a sensible default. */
export interface DpopProofInput {
  readonly htm: string;
  readonly htu: string;
  /** The access token the proof goes with (`ath`); absent at the token endpoint. */
  readonly accessToken?: string;
  readonly nonce?: string;
  /** Seconds; default now. */
  readonly iat?: number;
  /** Default a random UUID. */
  readonly jti?: string;
  /** Header overrides (e.g. `{ typ: 'JWT' }`) to forge a bad proof. */
  readonly header?: Record<string, unknown>;
}

/** A client's DPoP key pair (RFC 9449), as a test client holds it. */
export interface TestDpopKey {
  /** RFC 7638 SHA-256 thumbprint: the token's `cnf.jkt`. */
  readonly jkt: string;
  readonly publicJwk: JWK;
  /** Signs a proof JWT with this key. */
  proof(input: DpopProofInput): Promise<string>;
}

/** Creates a DPoP key (ES256 unless told). `now` (epoch ms) stamps `iat`; default the system clock. */
export async function createTestDpopKey(options: { readonly alg?: 'ES256' | 'EdDSA'; readonly now?: () => number } = {}): Promise<TestDpopKey> {
  const alg = options.alg ?? 'ES256';
  const now = options.now ?? Date.now;
  const { publicKey, privateKey } = await generateKeyPair(alg);
  const publicJwk = await exportJWK(publicKey);
  const jkt = await calculateJwkThumbprint(publicJwk, 'sha256');
  return {
    jkt,
    publicJwk,
    proof: (input) =>
      new SignJWT({
        jti: input.jti ?? randomUUID(),
        htm: input.htm,
        htu: input.htu,
        iat: input.iat ?? Math.floor(now() / 1000),
        ...(input.accessToken === undefined ? {} : { ath: accessTokenHash(input.accessToken) }),
        ...(input.nonce === undefined ? {} : { nonce: input.nonce }),
      })
        .setProtectedHeader({ alg, typ: 'dpop+jwt', jwk: publicJwk, ...input.header } as never)
        .sign(privateKey),
  };
}
