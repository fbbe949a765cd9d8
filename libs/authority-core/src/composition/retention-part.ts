import { createAuditCopies } from '../audit/audit-copies';
import type { AuditLogStore } from '../audit/audit-store';
import { createStoreRetention, type StoreRetention } from '../retention/store-retention';
import type { AuthorityStore } from '../store/store';
import type { CoreSettings } from './core-settings';

/**
 * The store's retention job (not started: a leader's task): expired revocations, published
 * outbox rows, acks and gone instances past their retention (the audit log has its own job, in
 * the audit part).
 */
export function openRetentionPart(settings: CoreSettings, deps: { readonly store: AuthorityStore; readonly auditLog: AuditLogStore }): StoreRetention {
  const { clock, logger, names, options, storeRetention } = settings;
  const retention = createStoreRetention({
    store: deps.store,
    clock,
    logger,
    periods: storeRetention,
    auditCopies: createAuditCopies(deps.store, names.audit),
    auditPurgedUpTo: () => deps.auditLog.latestCheckpoint()?.upToSeq ?? null,
    ...(options.storeRetentionIntervalMs === undefined ? {} : { intervalMs: options.storeRetentionIntervalMs }),
  });
  return retention;
}
