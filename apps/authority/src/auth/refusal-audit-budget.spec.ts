import { RefusalAuditBudget } from './refusal-audit-budget';

describe('RefusalAuditBudget', () => {
  it('audits up to the cap per minute, then counts the rest into the first audited refusal of a later window', () => {
    let now = 1_000_000;
    const budget = new RefusalAuditBudget(3, () => now);
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
