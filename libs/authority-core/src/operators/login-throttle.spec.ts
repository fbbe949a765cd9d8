import { lockoutMs, MAX_LOCKOUT_MS } from './login-throttle';

describe('lockoutMs', () => {
  const rules = { maxFailedLogins: 5, lockoutSeconds: 60 };

  it('is 0 under the limit, then the base lockout doubling per further failure', () => {
    expect([1, 4].map((n) => lockoutMs(n, rules))).toEqual([0, 0]);
    expect([5, 6, 7, 8].map((n) => lockoutMs(n, rules))).toEqual([60_000, 120_000, 240_000, 480_000]);
  });

  it('is capped at one hour, however many failures', () => {
    expect(lockoutMs(11, rules)).toBe(MAX_LOCKOUT_MS);
    expect(lockoutMs(10_000, rules)).toBe(MAX_LOCKOUT_MS);
    expect(lockoutMs(1, { maxFailedLogins: 1, lockoutSeconds: 3_600 })).toBe(MAX_LOCKOUT_MS);
  });
});
