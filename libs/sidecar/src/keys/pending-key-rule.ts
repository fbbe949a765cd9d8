import type { Milliseconds, Seconds } from '../internal/units';
import { verifyFailure, type OtherVerifyFailure } from '../verify/verify-result';
import type { KeySet } from './key-set';

/**
 * Longest wait for the promotion of a pending key a token was signed with. The authority signs
 * with a key only once it is active, and publishes the promotion before it signs; a sidecar may
 * still see a new token a few milliseconds before the promotion event (another partition, a
 * slower consumer). Waiting this long absorbs that race; a token still signed by a pending key
 * afterwards is refused.
 */
export const PENDING_KEY_GRACE_MS: Milliseconds = 2_000;

export interface PendingKeyRuleOptions {
  readonly keySet: Pick<KeySet, 'activation' | 'onChange'>;
  /** Default {@link PENDING_KEY_GRACE_MS}; 0 refuses at once. */
  readonly graceMs?: Milliseconds;
  /** Allowed clock difference between the authority and this sidecar. */
  readonly clockToleranceSeconds: Seconds;
}

/**
 * Tokens signed by a key that is not active yet (`KEY_NOT_ACTIVE`):
 * - a key held as `pending` (a pre-published standby) verifies no token, unless its promotion
 *   arrives within the grace period and the token was issued at or after it (minus the clock
 *   tolerance): the race after a promotion;
 * - a key this sidecar saw promoted (pending → active) refuses tokens issued before that
 *   promotion: the authority never signed with it then, so such a token was forged with a
 *   stolen standby key.
 * A key first seen active (a sidecar started after the promotion and the topic compacted its
 * pending state away) or re-activated by a rollback has no known promotion time: no bound.
 * Run after the signature verified, so a junk token never waits.
 */
export interface PendingKeyRule {
  /**
   * The failure, or undefined when the key is not in question. Synchronous (no microtask on the
   * verify path) unless the key is pending and the rule waits for its promotion.
   */
  check(kid: string, iat: number): OtherVerifyFailure | undefined | Promise<OtherVerifyFailure | undefined>;
}

export function createPendingKeyRule(options: PendingKeyRuleOptions): PendingKeyRule {
  const { keySet, clockToleranceSeconds } = options;
  const graceMs = options.graceMs ?? PENDING_KEY_GRACE_MS;
  if (!Number.isFinite(graceMs) || graceMs < 0) throw new TypeError('graceMs must be a non-negative number of milliseconds');

  /** Resolves once `kid` is no longer pending, or after `ms`. */
  const promotionOf = (kid: string, ms: number): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        stop();
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref?.();
      const stop = keySet.onChange((changed) => {
        if (changed === kid && keySet.activation(kid)?.state !== 'pending') done();
      });
    });

  /** The verdict on the key as held now. */
  const verdict = (kid: string, iat: number): OtherVerifyFailure | undefined => {
    const held = keySet.activation(kid);
    if (held === undefined) return undefined;
    if (held.state === 'pending') {
      return verifyFailure('KEY_NOT_ACTIVE', `token was signed by key ${kid}, which is pending (published, not yet active)`);
    }
    if (held.activatedAt !== null && iat < Math.floor(held.activatedAt / 1000) - clockToleranceSeconds) {
      return verifyFailure('KEY_NOT_ACTIVE', `token was issued before key ${kid} became active (${new Date(held.activatedAt).toISOString()})`);
    }
    return undefined;
  };

  return {
    check(kid, iat) {
      if (graceMs === 0 || keySet.activation(kid)?.state !== 'pending') return verdict(kid, iat);
      return promotionOf(kid, graceMs).then(() => verdict(kid, iat));
    },
  };
}
