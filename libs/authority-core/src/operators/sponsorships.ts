import type { Approval } from '../approvals/approval-gate';
import type { AuditContext } from '../audit/audit-context';
import { ApproverSponsoredError } from '../errors/errors';
import type { PolicySource } from '../policy/policy-document';
import type { AuthorityStore } from '../store/store';

/**
 * What one operator did for another that could hand them a second identity: created the
 * account, raised its role, re-enabled it, or issued the code that sets its password and TOTP.
 */
export type SponsorshipKind = 'created' | 'raised' | 'enabled' | 'enrolment';

/** The `operator_sponsorships` table: who did what for which operator, when. */
export interface SponsorshipStore {
  /** Records that `sponsor` (a username) did `kind` for the operator at `at` (epoch ms). */
  record(operatorId: string, sponsor: string, kind: SponsorshipKind, at: number): void;
  /** The newest sponsorship of the operator by `sponsor` (case-insensitive) at or after `since`. */
  latest(operatorId: string, sponsor: string, since: number): { readonly kind: SponsorshipKind; readonly at: number } | undefined;
}

export function createSponsorshipStore(store: AuthorityStore): SponsorshipStore {
  const insert = store.db.prepare('INSERT INTO operator_sponsorships (operator_id, sponsor, kind, at) VALUES (?, ?, ?, ?)');
  const latest = store.db.prepare<[string, string, number], { kind: SponsorshipKind; at: number }>(
    'SELECT kind, at FROM operator_sponsorships WHERE operator_id = ? AND sponsor = ? AND at >= ? ORDER BY at DESC LIMIT 1',
  );
  return {
    record: (operatorId, sponsor, kind, at) => void insert.run(operatorId, sponsor, kind, at),
    latest: (operatorId, sponsor, since) => latest.get(operatorId, sponsor, since),
  };
}

/**
 * Decides whether `approver` may approve `approval` now (separation of duties): not when the
 * requester sponsored the approver's account within the policy's `approvals.coolingOffSeconds`.
 * Run by the approval service inside the deciding transaction, so it sees the state at the
 * decision, not at the request.
 */
export type ApproverCheck = (approval: Approval, approver: AuditContext, now: number) => ApproverSponsoredError | undefined;

export function createApproverCheck(options: { readonly store: AuthorityStore; readonly policy: PolicySource }): ApproverCheck {
  const sponsorships = createSponsorshipStore(options.store);
  const operatorId = options.store.db.prepare<[string], string>('SELECT id FROM operators WHERE username = ?');
  return (approval, approver, now) => {
    const coolingOffMs = options.policy.current().approvals.coolingOffSeconds * 1000;
    if (coolingOffMs === 0 || approval.requestedBy.actor.kind !== 'operator' || approver.actor.kind !== 'operator') return undefined;
    const id = operatorId.pluck().get(approver.actor.id) as string | undefined;
    if (id === undefined) return undefined;
    const found = sponsorships.latest(id, approval.requestedBy.actor.id, now - coolingOffMs);
    if (found === undefined) return undefined;
    return new ApproverSponsoredError(approval.id, approval.requestedBy.actor.id, found.kind, found.at + coolingOffMs);
  };
}
