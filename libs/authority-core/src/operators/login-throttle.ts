import type { AuthorityStore } from '../store/store';

/** Longest lockout, ms: doubling stops here. */
export const MAX_LOCKOUT_MS = 3_600_000;
/**
 * A subject's failures are forgotten after this long without a new one (counted from the end of
 * its lockout, if any), ms, so an address that
 * failed a few times last week does not start today one failure from a lockout.
 */
export const FAILURE_MEMORY_MS = 3_600_000;

/** Throttling parameters (from the security policy's `operators` section). */
export interface ThrottleRules {
  /** Failures before the first lockout. */
  readonly maxFailedLogins: number;
  /** First lockout, seconds; doubles with each further failure, capped at {@link MAX_LOCKOUT_MS}. */
  readonly lockoutSeconds: number;
}

/**
 * Failed-login counters per subject (`user:<name>`, `addr:<ip>`), in the store so they survive
 * restarts. Synchronous: callers compose it inside the transaction that records the failure.
 */
export interface LoginThrottle {
  /** Latest `locked_until` (epoch ms) among `subjects` that is still in the future, else null. */
  lockedUntil(subjects: readonly string[], now: number): number | null;
  /** Counts one failure for each subject and locks those that reached the limit. */
  recordFailure(subjects: readonly string[], now: number, rules: ThrottleRules): void;
  /** Forgets a subject's failures (a successful login resets its username). */
  reset(subject: string): void;
}

/** Lockout after the `failures`-th failure, ms, or 0 while under the limit. */
export function lockoutMs(failures: number, rules: ThrottleRules): number {
  if (failures < rules.maxFailedLogins) return 0;
  const doublings = Math.min(failures - rules.maxFailedLogins, 32);
  return Math.min(rules.lockoutSeconds * 1000 * 2 ** doublings, MAX_LOCKOUT_MS);
}

export const userSubject = (username: string): string => `user:${username.toLowerCase()}`;
export const addressSubject = (address: string): string => `addr:${address}`;

interface ThrottleRow {
  failures: number;
  last_failure_at: number;
  locked_until: number | null;
}

export function createLoginThrottle(store: AuthorityStore): LoginThrottle {
  const db = store.db;
  const get = db.prepare<[string], ThrottleRow>('SELECT failures, last_failure_at, locked_until FROM login_throttle WHERE subject = ?');
  const put = db.prepare(
    `INSERT INTO login_throttle (subject, failures, last_failure_at, locked_until) VALUES (?, ?, ?, ?)
     ON CONFLICT (subject) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at, locked_until = excluded.locked_until`,
  );
  const remove = db.prepare('DELETE FROM login_throttle WHERE subject = ?');
  // Counters past their memory count as zero anyway: dropping them keeps a spray of made-up
  // usernames from growing the table without bound.
  const forget = db.prepare(`DELETE FROM login_throttle WHERE ${db.dialect.greatest('last_failure_at', 'COALESCE(locked_until, 0)')} < ?`);
  return {
    lockedUntil(subjects, now) {
      let until: number | null = null;
      for (const subject of subjects) {
        const lock = get.get(subject)?.locked_until ?? null;
        if (lock !== null && lock > now && (until === null || lock > until)) until = lock;
      }
      return until;
    },
    recordFailure(subjects, now, rules) {
      forget.run(now - FAILURE_MEMORY_MS);
      for (const subject of subjects) {
        const row = get.get(subject);
        const quietSince = row === undefined ? 0 : Math.max(row.last_failure_at, row.locked_until ?? 0);
        const previous = row === undefined || now - quietSince > FAILURE_MEMORY_MS ? 0 : row.failures;
        const failures = previous + 1;
        const lock = lockoutMs(failures, rules);
        put.run(subject, failures, now, lock === 0 ? null : now + lock);
      }
    },
    reset: (subject) => void remove.run(subject),
  };
}
