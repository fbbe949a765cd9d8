import type { AnonymousRefusalAudit } from './anonymous-refusals';
import type { AuditRetention } from './audit-retention';
import type { AuditShipper } from './audit-shipper';
import type { AuditLogStore, AuditTrail } from './audit-store';

/** The audit log as the core exposes it: append, read, export, verify; shipping and retention. */
export interface AuthorityAudit extends AuditTrail {
  /** Ships every unshipped entry to the outbox now. @returns how many. */
  flushShipping(): Promise<number>;
  /** The retention job (started by the core; `runOnce` for tests and operators). */
  readonly retention: Pick<AuditRetention, 'runOnce'>;
  /** Refusals of callers who did not authenticate: every such route audits within this one budget. */
  readonly anonymousRefusals: AnonymousRefusalAudit;
}

/** The public face of the audit log: internal methods (purge, shipping marks) stay inside the core. */
export function authorityAudit(log: AuditLogStore, shipper: AuditShipper, retention: AuditRetention, anonymousRefusals: AnonymousRefusalAudit): AuthorityAudit {
  return {
    append: (entry) => log.append(entry),
    list: (after, limit) => log.list(after, limit),
    latestCheckpoint: () => log.latestCheckpoint(),
    exportLines: () => log.exportLines(),
    lastWrittenSeq: () => log.lastWrittenSeq(),
    verify: () => log.verify(),
    flushShipping: () => shipper.flush(),
    retention: { runOnce: () => retention.runOnce() },
    anonymousRefusals,
  };
}
