import { createDpopKeyCache, createDpopNonces, createDpopReplayCache, verifyDpopProof, type DpopNonces } from '@revmesh/contracts';
import type { Clock } from '../internal/units';
import type { AccessTokenClaims, DpopFailure, DpopFailureCode } from '../verify/verify-result';
import type { ResolvedDpopOptions } from './dpop-options';

/**
 * How the request presented its access token, as the HTTP adapters see it: what DPoP-bound
 * tokens need checked (RFC 9449 §7). Calls of `sidecar.verify` without it cannot present a
 * bound token (`DPOP_REQUIRED`).
 */
export interface TokenPresentation {
  /** The `Authorization` scheme the token came with. */
  readonly scheme: 'Bearer' | 'DPoP';
  /** The `DPoP` request header: one proof JWT (several values are refused). */
  readonly dpop?: string | readonly string[] | undefined;
  /** The request's HTTP method, e.g. `GET`. */
  readonly method: string;
  /**
   * The request's full URL as the client addressed it (`https://host/path?query`), or its path
   * when the sidecar's `dpop.publicBaseUrl` is set (the base then replaces scheme and host).
   */
  readonly url: string;
}

/** The proof-of-possession step of verification. */
export interface DpopCheck {
  /**
   * Undefined when the presentation fits the token (unbound, or bound with a valid, fresh proof of
   * its key). Synchronous unless there is a proof to verify: unbound tokens cost no extra await.
   */
  check(claims: AccessTokenClaims, token: string, presentation: TokenPresentation | undefined): DpopFailure | undefined | Promise<DpopFailure | undefined>;
  /** Proofs remembered by the replay cache (this instance only). */
  readonly replayCacheSize: number;
}

const failure = (code: DpopFailureCode, message: string, nonce?: string): DpopFailure => ({ ok: false, code, message, ...(nonce === undefined ? {} : { nonce }) });

/** The URL the proof's `htu` must match: the request's, or its path under the configured public base. */
export function dpopRequestUrl(url: string, publicBaseUrl: string | undefined): string {
  if (publicBaseUrl === undefined) return url;
  let path = url;
  if (!url.startsWith('/')) {
    try {
      const parsed = new URL(url);
      path = `${parsed.pathname}${parsed.search}`;
    } catch {
      return url;
    }
  }
  return `${publicBaseUrl}${path}`;
}

export function createDpopCheck(options: ResolvedDpopOptions & { readonly clock: Clock }): DpopCheck {
  const { clock } = options;
  const replay = createDpopReplayCache({
    maxEntries: options.replayCacheMaxEntries,
    windowSeconds: options.maxProofAgeSeconds + options.clockToleranceSeconds,
    now: clock,
  });
  const nonces: DpopNonces | undefined = options.nonce === undefined ? undefined : createDpopNonces({ ...options.nonce, now: clock });
  const acceptNonce = nonces === undefined ? undefined : (nonce: string): boolean => nonces.accepts(nonce);
  const proofOptions = {
    algorithms: options.algorithms,
    maxAgeSeconds: options.maxProofAgeSeconds,
    clockToleranceSeconds: options.clockToleranceSeconds,
    now: clock,
    // Clients prove with the same key request after request; importing it costs more than the signature check.
    keyCache: createDpopKeyCache(),
  };

  return {
    check(claims, token, presentation) {
      const jkt = claims.cnf?.jkt;
      if (jkt === undefined) {
        // RFC 9449 §7.2: the DPoP scheme says "this token is bound"; an unbound one is a client mistake or a downgrade.
        return presentation?.scheme === 'DPoP' ? failure('DPOP_INVALID', 'the token is not DPoP-bound: present it with the Bearer scheme') : undefined;
      }
      if (presentation === undefined || presentation.scheme !== 'DPoP') {
        return failure('DPOP_REQUIRED', 'the token is DPoP-bound: present it as "Authorization: DPoP <token>" with a DPoP proof of its key');
      }
      const header = presentation.dpop;
      if (header === undefined || header === '' || (Array.isArray(header) && header.length === 0)) {
        return failure('DPOP_REQUIRED', 'the token is DPoP-bound: send a DPoP header with a proof of its key');
      }
      if (typeof header !== 'string' && header.length > 1) return failure('DPOP_INVALID', 'send exactly one DPoP header');
      return proven(jkt, token, presentation, typeof header === 'string' ? header : header[0]!);
    },
    get replayCacheSize() {
      return replay.size;
    },
  };

  /** The checks that need the proof's signature verified (asynchronous). */
  async function proven(jkt: string, token: string, presentation: TokenPresentation, proof: string): Promise<DpopFailure | undefined> {
    const verified = await verifyDpopProof(
      proof,
      { method: presentation.method.toUpperCase(), url: dpopRequestUrl(presentation.url, options.publicBaseUrl), accessToken: token, ...(acceptNonce ? { acceptNonce } : {}) },
      proofOptions,
    );
    if (!verified.ok) {
      if (verified.reason === 'nonce-missing' || verified.reason === 'nonce-invalid') return failure('DPOP_NONCE_REQUIRED', verified.message, nonces?.current());
      return failure('DPOP_INVALID', verified.message);
    }
    if (verified.proof.jkt !== jkt) return failure('DPOP_INVALID', 'the DPoP proof is signed by another key than the one the token is bound to');
    const seen = replay.check(jkt, verified.proof.jti, verified.proof.iat);
    if (seen === 'replay') return failure('DPOP_REPLAY', 'this DPoP proof was already used: send a fresh proof with every request');
    if (seen === 'unverifiable') return failure('DPOP_REPLAY', 'this DPoP proof is too old to be checked for replay right now: send a fresh proof');
    return undefined;
  }
}
