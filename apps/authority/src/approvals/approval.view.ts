import type { Approval, ApprovalState, Role } from '@revmesh/authority-core';

/** Who asked or decided, as the API shows it (an operator's actor id is their username). */
export interface ApprovalPersonView {
  readonly username: string;
  readonly role: Role | null;
}

/** An approval request as the API shows it. Times are ISO-8601. */
export interface ApprovalView {
  readonly id: string;
  readonly action: Approval['action'];
  readonly target: string | null;
  readonly params: unknown;
  readonly requestedBy: ApprovalPersonView & { readonly justification: string | null };
  readonly requestedAt: string;
  readonly expiresAt: string;
  readonly state: ApprovalState;
  readonly decidedBy: ApprovalPersonView | null;
  readonly decidedAt: string | null;
  readonly decisionJustification: string | null;
  /** What the action returned (as authority-core records it; its times are epoch ms). */
  readonly result: unknown;
  readonly error: string | null;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function approvalView(a: Approval): ApprovalView {
  return {
    id: a.id,
    action: a.action,
    target: a.target,
    params: a.params,
    requestedBy: { username: a.requestedBy.actor.id, role: a.requestedBy.role, justification: a.requestedBy.justification },
    requestedAt: iso(a.requestedAt),
    expiresAt: iso(a.expiresAt),
    state: a.state,
    decidedBy: a.decidedBy === null ? null : { username: a.decidedBy.id, role: a.decidedByRole },
    decidedAt: a.decidedAt === null ? null : iso(a.decidedAt),
    decisionJustification: a.decisionJustification,
    result: a.result,
    error: a.error,
  };
}

/** Body of a gated action's 202 when it waits for a second security-admin. */
export interface PendingApprovalView {
  readonly status: 'pending-approval';
  readonly approval: ApprovalView;
}

/** `Location` of an approval request. */
export function approvalLocation(id: string): string {
  return `/v1/approvals/${encodeURIComponent(id)}`;
}
