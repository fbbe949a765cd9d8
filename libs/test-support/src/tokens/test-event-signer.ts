import { calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { eventSignerJwkSchema, signEvent, type EventSignerJwk, type EventSigningKey, type RevmeshEvent } from '@revmesh/contracts';

export interface TestEventSignerOptions {
  /** Key id in the JWS header and the public JWK. Default: the RFC 7638 thumbprint, as the authority uses. */
  readonly kid?: string;
}

/**
 * A throwaway event-signing key (Ed25519), as the authority holds one: the public JWK is what a
 * sidecar is configured with (`eventSigners`), `sign` produces the record value the authority's
 * relay would publish.
 */
export interface TestEventSigner {
  readonly kid: string;
  /** The public half, valid for the sidecar's `eventSigners` option and `event-signer.announced` events. */
  readonly publicJwk: EventSignerJwk;
  readonly publicKey: CryptoKey;
  readonly privateKey: CryptoKey;
  /** For `signEvent` from `@revmesh/contracts`. */
  readonly signingKey: EventSigningKey;
  /** The private JWK (with `d`): only to test that it is refused where a public key is expected. */
  privateJwk(): Promise<JWK>;
  /** Validates, serialises and signs `event`: the Kafka record value. */
  sign(event: RevmeshEvent): Promise<Buffer>;
}

/**
 * Creates an event signer.
 *
 * @example
 * const signer = await createTestEventSigner();
 * const sidecar = createSidecar({ ..., eventSigners: [signer.publicJwk] });
 * await appendSignedEvent(transport, topics.revocations, revocationEvent({ target }), signer);
 */
export async function createTestEventSigner(options: TestEventSignerOptions = {}): Promise<TestEventSigner> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const exported = await exportJWK(publicKey);
  const kid = options.kid ?? (await calculateJwkThumbprint(exported));
  // Parsed, not cast: a helper that produced a JWK the contracts refuse would hide bugs in tests.
  const publicJwk = eventSignerJwkSchema.parse({ kty: exported.kty, crv: exported.crv, x: exported.x, kid, alg: 'EdDSA', use: 'sig' });
  const signingKey: EventSigningKey = { kid, privateKey };
  return {
    kid,
    publicJwk,
    publicKey,
    privateKey,
    signingKey,
    privateJwk: async () => ({ ...(await exportJWK(privateKey)), kid, alg: 'EdDSA' }),
    sign: (event) => signEvent(event, signingKey),
  };
}
