import { createAdminActionLog, type AdminActionLog } from '../admin/admin-actions';
import { createAnonymousRefusalAudit, type AnonymousRefusalAudit } from '../audit/anonymous-refusals';
import { createAuditCopies } from '../audit/audit-copies';
import { createAuditRetention, type AuditRetention } from '../audit/audit-retention';
import { createAuditShipper, type AuditShipper } from '../audit/audit-shipper';
import { createAuditLog, type AuditLogStore } from '../audit/audit-store';
import { RefusalAuditBudget } from '../audit/refusal-audit-budget';
import type { EventSignerRing } from '../event-signers/event-signer-ring';
import type { OutboxStore } from '../outbox/outbox-store';
import type { PolicyStore } from '../policy/policy-store';
import type { AuthorityStore } from '../store/store';
import type { CoreSettings } from './core-settings';

/** The audit log, opened first because every other part may record into it. */
export interface AuditPart {
  readonly log: AuditLogStore;
  readonly admin: AdminActionLog;
  /** Refusals of unauthenticated callers, all routes within one budget. */
  readonly anonymousRefusals: AnonymousRefusalAudit;
  /**
   * Starts shipping (signed, to the audit topic) once the event signer exists, and creates the
   * retention job (not started: a leader's task). Entries appended before then wait unshipped and
   * go out in order. Every replica ships: an entry is marked shipped in the transaction that
   * appends its record (compare-and-set), so two replicas never ship it twice.
   */
  startShipping(deps: { readonly outbox: OutboxStore; readonly signer: EventSignerRing; readonly policy: PolicyStore; readonly onCommitted: () => void }): {
    readonly shipper: AuditShipper;
    readonly retention: AuditRetention;
  };
  close(): void;
}

export function openAuditPart(settings: CoreSettings, store: AuthorityStore): AuditPart {
  const { clock, logger, names, options } = settings;
  let shipper: AuditShipper | undefined;
  let retention: AuditRetention | undefined;
  const log = createAuditLog({ store, clock, onAppended: () => shipper?.notify() });
  return {
    log,
    admin: createAdminActionLog(store, log),
    anonymousRefusals: createAnonymousRefusalAudit(log, new RefusalAuditBudget(undefined, clock)),
    startShipping({ outbox, signer, policy, onCommitted }) {
      shipper = createAuditShipper({ store, log, outbox, topic: names.audit, signer, clock, logger, onCommitted });
      if (options.auditShipping === false) shipper.stop();
      shipper.notify();
      retention = createAuditRetention({
        store,
        log,
        signer,
        policy,
        clock,
        logger,
        copies: createAuditCopies(store, names.audit),
        ...(options.auditRetentionIntervalMs === undefined ? {} : { intervalMs: options.auditRetentionIntervalMs }),
      });
      return { shipper, retention };
    },
    close() {
      retention?.stop();
      shipper?.stop();
    },
  };
}
