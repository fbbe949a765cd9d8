import type { Clock } from '../time/clock';

/**
 * How many refusals of callers who did not authenticate are audited per minute, across every
 * unauthenticated route (operator API without a valid token, bootstrap, login, enrolment, the
 * token endpoint) and every address. Anyone can send such requests; without a cap each one would
 * cost an audit row, a signature and a published event, letting an anonymous client grow the
 * audit log (and the SIEM's topic) without bound. Refusals of authenticated operators are always
 * audited.
 */
export const UNAUTHENTICATED_REFUSALS_AUDITED_PER_MINUTE = 60;

/**
 * A fixed one-minute window. `take()` says whether this refusal is audited; refusals past the cap
 * are counted, and the first audited one of a later window carries that count (`suppressed`), so
 * the log still says how many there were.
 */
export class RefusalAuditBudget {
  private windowStart = Number.NEGATIVE_INFINITY;
  private used = 0;
  private suppressed = 0;

  constructor(
    private readonly perMinute: number = UNAUTHENTICATED_REFUSALS_AUDITED_PER_MINUTE,
    private readonly clock: Clock = { now: () => Date.now() },
  ) {
    if (!Number.isInteger(perMinute) || perMinute < 1) throw new TypeError('perMinute must be a positive integer');
  }

  /** `{ audit: true, suppressedBefore }` when this refusal is to be audited, else `{ audit: false }`. */
  take(): { readonly audit: true; readonly suppressedBefore: number } | { readonly audit: false } {
    const now = this.clock.now();
    if (now - this.windowStart >= 60_000) {
      this.windowStart = now;
      this.used = 0;
    }
    if (this.used >= this.perMinute) {
      this.suppressed += 1;
      return { audit: false };
    }
    this.used += 1;
    const suppressedBefore = this.suppressed;
    this.suppressed = 0;
    return { audit: true, suppressedBefore };
  }
}
