import type { AuditEntryInput, AuditLog, AuditRecord } from './audit-log';
import type { RefusalAuditBudget } from './refusal-audit-budget';

/**
 * Refusals of callers who did not authenticate, audited within ONE budget shared by every
 * unauthenticated route ({@link UNAUTHENTICATED_REFUSALS_AUDITED_PER_MINUTE} a minute): the
 * operator guard, bootstrap, login, enrolment and the token endpoint all draw from it, so no
 * route and no mix of routes can grow the audit log faster.
 */
export interface AnonymousRefusalAudit {
  /**
   * Appends the refusal (outcome `denied`) if the budget allows it; its details then carry
   * `suppressed`, the refusals left out since the last one audited, when there were any.
   * Synchronous, like {@link AuditLog.append}: call it inside the transaction of what goes with
   * the refusal (a throttle count), or in a transaction of its own.
   * @returns the entry, or null when the budget left it out (it is counted).
   */
  append(entry: Omit<AuditEntryInput, 'outcome'>): AuditRecord | null;
}

export function createAnonymousRefusalAudit(log: AuditLog, budget: RefusalAuditBudget): AnonymousRefusalAudit {
  return {
    append(entry) {
      const taken = budget.take();
      if (!taken.audit) return null;
      const details = taken.suppressedBefore === 0 ? entry.details : { ...entry.details, suppressed: taken.suppressedBefore };
      return log.append({ ...entry, outcome: 'denied', ...(details === undefined ? {} : { details }) });
    },
  };
}
