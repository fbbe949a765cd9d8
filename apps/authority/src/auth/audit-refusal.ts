import type { Logger } from '@nestjs/common';
import type { AuditEntryInput, AuthorityCore } from '@revmesh/authority-core';

type Refusal = Omit<AuditEntryInput, 'outcome'>;

/**
 * Appends a refusal (outcome `denied`) to the audit log. A failing audit log is logged, never
 * thrown: it must not turn a refusal into something else.
 */
export function auditRefusal(core: Pick<AuthorityCore, 'audit' | 'store'>, logger: Pick<Logger, 'error'>, entry: Refusal): void {
  write(logger, entry, () => core.store.transaction(() => core.audit.append({ ...entry, outcome: 'denied' })));
}

/**
 * Appends the refusal of a caller who did not authenticate, within the one budget every
 * unauthenticated route shares (`core.audit.anonymousRefusals`): past it, the refusal is only
 * counted, into the next entry. Like {@link auditRefusal}, never throws.
 */
export function auditAnonymousRefusal(core: Pick<AuthorityCore, 'audit' | 'store'>, logger: Pick<Logger, 'error'>, entry: Refusal): void {
  write(logger, entry, () => core.store.transaction(() => core.audit.anonymousRefusals.append(entry)));
}

function write(logger: Pick<Logger, 'error'>, entry: Refusal, append: () => unknown): void {
  try {
    append();
  } catch (error) {
    logger.error(`cannot audit a refused ${entry.action} (${entry.target ?? '-'}): ${String(error)}`);
  }
}
