import {
  checkDpopAlgorithms,
  DEFAULT_DPOP_ALGORITHMS,
  DEFAULT_DPOP_CLOCK_TOLERANCE_SECONDS,
  DEFAULT_DPOP_MAX_AGE_SECONDS,
  DEFAULT_DPOP_NONCE_PERIOD_SECONDS,
  DEFAULT_DPOP_REPLAY_CACHE_ENTRIES,
} from '@revmesh/contracts';
import type { Seconds } from '../internal/units';

/**
 * How the sidecar checks DPoP proofs (RFC 9449) of tokens bound to a key (`cnf.jkt`). Tokens
 * without `cnf.jkt` are not affected. Every field is optional.
 */
export interface SidecarDpopOptions {
  /** Proof algorithms accepted (asymmetric only). Default `['ES256', 'EdDSA', 'Ed25519', 'PS256', 'RS256']`. */
  readonly algorithms?: readonly string[];
  /** Oldest proof accepted, seconds after its `iat`. Default 60. */
  readonly maxProofAgeSeconds?: Seconds;
  /** Tolerated clock difference with clients, seconds. Default 5. */
  readonly clockToleranceSeconds?: Seconds;
  /**
   * Proofs remembered to refuse a replay (`DPOP_REPLAY`), per sidecar instance: a proof replayed
   * to another instance within the proof window is not caught. About 200 bytes each. When full, the
   * oldest is dropped and proofs issued at or before it are refused (never a silent replay).
   * Default 50 000 (~10 MB).
   */
  readonly replayCacheMaxEntries?: number;
  /**
   * Require server nonces (RFC 9449 §9): a proof without a current nonce is refused with
   * `DPOP_NONCE_REQUIRED` and a fresh nonce in the `DPoP-Nonce` header. Nonces are stateless (an
   * HMAC of the period): give every instance behind one load balancer the same `secret` (base64url
   * or bytes, at least 16 bytes). Default: no nonce required.
   */
  readonly nonce?: { readonly secret: string | Uint8Array; readonly periodSeconds?: Seconds };
  /**
   * The external base URL clients address this service by (e.g. `https://api.example.com/orders`),
   * when a proxy in front changes the scheme, host, port or path prefix: the proof's `htu` is
   * compared with this base + the request's path. Default: the URL the adapter reconstructs from
   * the request (`Host` header, and the protocol the framework reports; Express and Fastify honour
   * their trust-proxy settings for `X-Forwarded-Proto`).
   */
  readonly publicBaseUrl?: string;
}

/** {@link SidecarDpopOptions} checked, with defaults. */
export interface ResolvedDpopOptions {
  readonly algorithms: readonly string[];
  readonly maxProofAgeSeconds: Seconds;
  readonly clockToleranceSeconds: Seconds;
  readonly replayCacheMaxEntries: number;
  readonly nonce: { readonly secret: Uint8Array; readonly periodSeconds: Seconds } | undefined;
  readonly publicBaseUrl: string | undefined;
}

const isNonNegativeInteger = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;

/**
 * Checks the `dpop` option. @returns the resolved options, or the problems (each says the fix).
 */
export function resolveDpopOptions(dpop: SidecarDpopOptions | undefined): { readonly options?: ResolvedDpopOptions; readonly problems: string[] } {
  const problems: string[] = [];
  const o = dpop ?? {};
  let algorithms: readonly string[] = DEFAULT_DPOP_ALGORITHMS;
  if (o.algorithms !== undefined) {
    try {
      algorithms = checkDpopAlgorithms(o.algorithms);
    } catch (error) {
      problems.push(`dpop.algorithms: ${(error as Error).message}`);
    }
  }
  const maxProofAgeSeconds = o.maxProofAgeSeconds ?? DEFAULT_DPOP_MAX_AGE_SECONDS;
  if (!isNonNegativeInteger(maxProofAgeSeconds) || maxProofAgeSeconds < 1 || maxProofAgeSeconds > 3600) problems.push('dpop.maxProofAgeSeconds must be an integer in 1..3600 (seconds)');
  const clockToleranceSeconds = o.clockToleranceSeconds ?? DEFAULT_DPOP_CLOCK_TOLERANCE_SECONDS;
  if (!isNonNegativeInteger(clockToleranceSeconds) || clockToleranceSeconds > 300) problems.push('dpop.clockToleranceSeconds must be an integer in 0..300 (seconds)');
  const replayCacheMaxEntries = o.replayCacheMaxEntries ?? DEFAULT_DPOP_REPLAY_CACHE_ENTRIES;
  if (!isNonNegativeInteger(replayCacheMaxEntries) || replayCacheMaxEntries < 1) problems.push('dpop.replayCacheMaxEntries must be a positive integer (it bounds the replay cache)');
  let nonce: ResolvedDpopOptions['nonce'];
  if (o.nonce !== undefined) {
    const secret = typeof o.nonce.secret === 'string' ? Buffer.from(o.nonce.secret, 'base64url') : o.nonce.secret;
    const periodSeconds = o.nonce.periodSeconds ?? DEFAULT_DPOP_NONCE_PERIOD_SECONDS;
    if (!(secret instanceof Uint8Array) || secret.length < 16) problems.push('dpop.nonce.secret must be at least 16 bytes (base64url string or bytes), the same on every instance behind one load balancer');
    else if (!isNonNegativeInteger(periodSeconds) || periodSeconds < 1) problems.push('dpop.nonce.periodSeconds must be a positive integer (seconds)');
    else nonce = { secret, periodSeconds };
  }
  let publicBaseUrl: string | undefined;
  if (o.publicBaseUrl !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(o.publicBaseUrl);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || parsed.search !== '' || parsed.hash !== '') {
      problems.push('dpop.publicBaseUrl must be an absolute http(s) URL without query or fragment, e.g. https://api.example.com');
    } else publicBaseUrl = parsed.href.replace(/\/+$/, '');
  }
  if (problems.length > 0) return { problems };
  return { options: { algorithms, maxProofAgeSeconds, clockToleranceSeconds, replayCacheMaxEntries, nonce, publicBaseUrl }, problems };
}
