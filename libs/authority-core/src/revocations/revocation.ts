import type { Actor, RevocationTarget } from '@revmesh/contracts';
import type { Milliseconds, Seconds } from '../time/clock';

/** Longest target value; mirrors the `revocation.issued` v1 contract so what is accepted can be published. */
export const MAX_TARGET_VALUE_LENGTH = 512;
/** Longest reason; mirrors the `revocation.issued` v1 contract. */
export const MAX_REASON_LENGTH = 1000;

/**
 * Extra time a rule stays alive after the last token it can match has expired: verifiers accept
 * `exp` with a small clock skew, so the rule must outlive the token by at least that much.
 */
export const DEFAULT_REVOCATION_SKEW_MS: Milliseconds = 60_000;

/** A stored revocation decision. */
export interface Revocation {
  readonly id: string;
  readonly target: RevocationTarget;
  /** The trusted external issuer whose tokens it targets; undefined for the authority's own. */
  readonly iss?: string;
  readonly reason: string;
  readonly actor: Actor;
  /** When the authority accepted it, epoch ms. */
  readonly revokedAt: Milliseconds;
  /**
   * Tokens whose `iat` is at or before this second are denied (for `sub`, `client_id`, `sid`).
   * It is the revocation's own second, so a token issued earlier in that second cannot pass.
   */
  readonly notAfterIat: Seconds;
  /** When the rule can no longer match a live token, epoch ms; verifiers drop it then. */
  readonly expiresAt: Milliseconds;
}

/** A revocation with its publication state. */
export interface RevocationStatus extends Revocation {
  /** True once the broker acknowledged its event. */
  readonly published: boolean;
  /** Epoch ms of that acknowledgement, or null while pending. */
  readonly publishedAt: Milliseconds | null;
  /** Id of its `revocation.issued` event: what sidecars acknowledge. */
  readonly eventId: string | null;
}

/**
 * The time fields of a revocation accepted at `revokedAt`.
 *
 * @param accessTokenTtlSeconds longest lifetime of a token issued from now on.
 * @param tokenHorizon the latest expiry of any token already issued (epoch ms; see
 *   `TokenHorizon`): the rule outlives tokens issued under a longer lifetime than today's.
 */
export function revocationWindow(
  revokedAt: Milliseconds,
  accessTokenTtlSeconds: Seconds,
  skewMs: Milliseconds,
  tokenHorizon: Milliseconds = 0,
): { notAfterIat: Seconds; expiresAt: Milliseconds } {
  return {
    notAfterIat: Math.floor(revokedAt / 1000),
    expiresAt: Math.max(revokedAt + accessTokenTtlSeconds * 1000, tokenHorizon) + skewMs,
  };
}
