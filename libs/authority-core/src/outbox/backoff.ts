import type { Milliseconds } from '../time/clock';

/** Exponential backoff with jitter. */
export interface BackoffOptions {
  /** Delay before the first retry, ms. Default 100. */
  readonly initialMs?: Milliseconds;
  /** Upper bound of any delay, ms. Default 5000. */
  readonly maxMs?: Milliseconds;
  /** Growth per attempt. Default 2. */
  readonly multiplier?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = { initialMs: 100, maxMs: 5_000, multiplier: 2 };

/**
 * Delay before retry number `attempt` (0 for the first retry): "equal jitter", a uniformly
 * random point in [base/2, base] where base = min(maxMs, initialMs × multiplier^attempt).
 * Half is guaranteed so retries really back off; the random half keeps many authorities (or a
 * restarted one) from hammering a recovering broker in lockstep.
 *
 * @param random a number in [0, 1); injected for tests.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): Milliseconds {
  const { initialMs, maxMs, multiplier } = { ...DEFAULT_BACKOFF, ...options };
  if (!(initialMs > 0) || !(maxMs >= initialMs) || !(multiplier >= 1)) {
    throw new TypeError('backoff needs initialMs > 0, maxMs >= initialMs and multiplier >= 1');
  }
  const base = Math.min(maxMs, initialMs * multiplier ** Math.max(0, attempt));
  return Math.round(base / 2 + (base / 2) * random());
}
