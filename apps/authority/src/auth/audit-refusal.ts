import type { Logger } from '@nestjs/common';
import type { AuditEntryInput, AuthorityCore } from '@revmesh/authority-core';

/**
 * Appends a refusal (outcome `denied`) to the audit log. A failing audit log is logged, never
 * thrown: it must not turn a refusal into something else.
 */
export function auditRefusal(core: Pick<AuthorityCore, 'audit' | 'store'>, logger: Pick<Logger, 'error'>, entry: Omit<AuditEntryInput, 'outcome'>): void {
  try {
    core.store.transaction(() => core.audit.append({ ...entry, outcome: 'denied' }));
  } catch (error) {
    logger.error(`cannot audit a refused ${entry.action} (${entry.target ?? '-'}): ${String(error)}`);
  }
}
