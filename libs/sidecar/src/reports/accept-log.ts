import type { RevocationTarget } from '@revmesh/contracts';
import type { Clock, EpochMillis, EpochSeconds } from '../internal/units';
import type { AccessTokenClaims } from '../verify/verify-result';

export interface AcceptLogOptions {
  /**
   * Accepted verifications remembered (the newest win). The memory bound: this many references to
   * decoded claims sets plus one number each; the arrays grow with use up to it, never
   * preallocated. Default `SIDECAR_DEFAULTS.acceptLogMaxEntries`.
   */
  readonly maxEntries: number;
  readonly clock: Clock;
  /** The deny-rule scope of an issuer (the same function the deny list matches with). */
  readonly scopeOf: (iss: string | undefined) => string;
}

/** What a revocation names, as {@link AcceptLog.countAcceptedAfter} reads it: a `revocation.issued` payload. */
export interface RevocationForCount {
  readonly target: RevocationTarget;
  /** The revocation's issuer (`undefined`: the authority's own). */
  readonly iss?: string | undefined;
  /** When the authority accepted the revocation (epoch ms, authority clock). */
  readonly revoked_at: EpochMillis;
  /** sub/client_id/sid/jkt targets deny tokens with `iat` at or before this (seconds). */
  readonly not_after_iat: EpochSeconds;
}

/** The outcome of a count: `count` and whether the log had already dropped accepts that could have counted. */
export interface AcceptedAfterRevocation {
  readonly count: number;
  /** True when an accept newer than `revokedAt` was dropped for room: `count` is then a lower bound. */
  readonly lowerBound: boolean;
}

/**
 * The most recent accepted verifications (claims and accept time), so that applying a
 * revocation can tell how many requests this instance accepted, after the revocation was
 * accepted by the authority, with a token that revocation denies: the "accepted after
 * revocation" of an incident's containment.
 *
 * Hot path: {@link AcceptLog.record} writes one reference and one number into a ring (no
 * allocation once it has grown to `maxEntries`, no hashing). The cost is paid by
 * {@link AcceptLog.countAcceptedAfter}, once per applied revocation, which walks back from the
 * newest accept and stops at the first one not after `revokedAt` (accept times are the sidecar's
 * wall clock, in recording order; a clock stepped backwards can make it stop early).
 */
export interface AcceptLog {
  record(claims: AccessTokenClaims): void;
  countAcceptedAfter(revocation: RevocationForCount): AcceptedAfterRevocation;
  /** Accepts currently held (≤ `maxEntries`). */
  readonly size: number;
}

/** Whether the revocation denies a token with these claims (mirrors the deny list's match). */
function denies(claims: AccessTokenClaims, target: RevocationTarget, notAfterIat: EpochSeconds): boolean {
  switch (target.type) {
    case 'jti':
      return claims.jti === target.value;
    case 'sub':
      return claims.sub === target.value && claims.iat <= notAfterIat;
    case 'client_id':
      return claims.client_id === target.value && claims.iat <= notAfterIat;
    case 'sid':
      return claims.sid === target.value && claims.iat <= notAfterIat;
    case 'jkt':
      return claims.cnf?.jkt === target.value && claims.iat <= notAfterIat;
  }
}

export function createAcceptLog(options: AcceptLogOptions): AcceptLog {
  const { maxEntries, clock, scopeOf } = options;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new TypeError('createAcceptLog: maxEntries must be a positive integer');
  const claimsAt: AccessTokenClaims[] = [];
  const acceptedAt: EpochMillis[] = [];
  /** Where the next accept goes once the ring is full (then also the oldest entry). */
  let next = 0;
  /** Accept time of the newest entry overwritten (0 before the ring is full). */
  let droppedUpTo: EpochMillis = 0;

  return {
    record(claims) {
      const now = clock();
      if (claimsAt.length < maxEntries) {
        claimsAt.push(claims);
        acceptedAt.push(now);
        return;
      }
      droppedUpTo = acceptedAt[next]!;
      claimsAt[next] = claims;
      acceptedAt[next] = now;
      next = next + 1 === maxEntries ? 0 : next + 1;
    },
    countAcceptedAfter({ target, iss, revoked_at: revokedAt, not_after_iat: notAfterIat }) {
      const size = claimsAt.length;
      const scope = scopeOf(iss);
      let count = 0;
      // Newest first: `next - 1` once the ring is full (next is 0 until then, so size - 1).
      for (let seen = 0, i = (next === 0 ? size : next) - 1; seen < size; seen++, i = i === 0 ? size - 1 : i - 1) {
        if (acceptedAt[i]! <= revokedAt) break;
        const claims = claimsAt[i]!;
        if (denies(claims, target, notAfterIat) && scopeOf(claims.iss) === scope) count++;
      }
      return { count, lowerBound: droppedUpTo > revokedAt };
    },
    get size() {
      return claimsAt.length;
    },
  };
}
