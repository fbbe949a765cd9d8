/**
 * Asymmetric JWS algorithms the sidecar can verify. Only asymmetric ones: a sidecar holds public
 * keys, and a service able to verify an HMAC token could also mint one.
 */
export const SUPPORTED_ALGORITHMS = [
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
] as const;

export type SupportedAlgorithm = (typeof SUPPORTED_ALGORITHMS)[number];

/** The default allow-list: what the revmesh authority signs with. */
export const DEFAULT_ALGORITHMS: readonly SupportedAlgorithm[] = ['ES256', 'EdDSA'];

/**
 * Why an algorithm can never be allowed, or undefined if it is merely unknown. These messages are
 * shown at option validation, so they say what to do instead.
 */
export function refusedAlgorithmReason(alg: string): string | undefined {
  if (alg.toLowerCase() === 'none') {
    return `"none" would accept unsigned tokens that anyone can forge; remove it (allowed: ${SUPPORTED_ALGORITHMS.join(', ')})`;
  }
  if (/^HS\d+$/i.test(alg)) {
    return `${alg} is symmetric: whoever can verify can also mint tokens, and mixing it with public keys enables algorithm-confusion forgeries; have the authority sign with ES256 or EdDSA`;
  }
  return undefined;
}

export function isSupportedAlgorithm(alg: string): alg is SupportedAlgorithm {
  return (SUPPORTED_ALGORITHMS as readonly string[]).includes(alg);
}
