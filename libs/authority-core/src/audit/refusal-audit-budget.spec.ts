import { systemAuditContext } from './audit-context';
import type { AuditEntryInput, AuditLog } from './audit-log';
import { createAnonymousRefusalAudit } from './anonymous-refusals';
import { RefusalAuditBudget } from './refusal-audit-budget';

describe('RefusalAuditBudget', () => {
  it('audits up to the cap per minute, then counts the rest into the first audited refusal of a later window', () => {
    let now = 1_000_000;
    const budget = new RefusalAuditBudget(3, { now: () => now });
    expect([budget.take(), budget.take(), budget.take()]).toEqual([
      { audit: true, suppressedBefore: 0 },
      { audit: true, suppressedBefore: 0 },
      { audit: true, suppressedBefore: 0 },
    ]);
    expect(budget.take()).toEqual({ audit: false });
    expect(budget.take()).toEqual({ audit: false });
    now += 59_999;
    expect(budget.take()).toEqual({ audit: false });
    now += 1;
    expect(budget.take()).toEqual({ audit: true, suppressedBefore: 3 });
    expect(budget.take()).toEqual({ audit: true, suppressedBefore: 0 });
  });
});

describe('createAnonymousRefusalAudit', () => {
  it('appends denied entries within the budget and records how many were left out in the next one', () => {
    let now = 0;
    const appended: AuditEntryInput[] = [];
    const log: AuditLog = { append: (entry) => (appended.push(entry), { ...entry, seq: appended.length, at: now, prevHash: '', hash: '' }) };
    const refusals = createAnonymousRefusalAudit(log, new RefusalAuditBudget(2, { now: () => now }));
    const entry = { action: 'operators.login', target: 'alice', context: systemAuditContext('test'), details: { reason: 'wrong-password' } };
    const results = Array.from({ length: 5 }, () => refusals.append(entry));
    expect(results.map((r) => r !== null)).toEqual([true, true, false, false, false]);
    now += 60_000;
    refusals.append({ ...entry, details: undefined });
    expect(appended.map((e) => [e.outcome, e.details])).toEqual([
      ['denied', { reason: 'wrong-password' }],
      ['denied', { reason: 'wrong-password' }],
      ['denied', { suppressed: 3 }],
    ]);
  });

  it('refuses a budget that could never audit anything', () => {
    expect(() => new RefusalAuditBudget(0)).toThrow(/perMinute must be a positive integer/);
  });
});
