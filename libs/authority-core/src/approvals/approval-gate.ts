import type { Actor } from '@revmesh/contracts';
import type { AuditContext } from '../audit/audit-context';
import type { Role } from '../operators/roles';
import type { ApprovableAction } from '../policy/policy-document';

/**
 * `pending` until decided; `executing` while the approved action runs (briefly; a request left
 * there by a crash becomes `failed` at the next start); then `executed` or `failed`. `denied`
 * and `expired` never ran.
 */
export type ApprovalState = 'pending' | 'executing' | 'executed' | 'denied' | 'expired' | 'failed';

/** A request for an action that the policy puts behind a second security-admin. */
export interface Approval {
  readonly id: string;
  readonly action: ApprovableAction;
  readonly target: string | null;
  /** The action's input, as JSON (validated again when it executes). */
  readonly params: unknown;
  readonly requestedBy: AuditContext;
  readonly requestedAt: number;
  readonly expiresAt: number;
  readonly state: ApprovalState;
  readonly decidedBy: Actor | null;
  /** The decider's role at the time (null for the system, e.g. an expiry). */
  readonly decidedByRole: Role | null;
  readonly decidedAt: number | null;
  readonly decisionJustification: string | null;
  /** What the action returned when it executed (JSON). */
  readonly result: unknown;
  /** Why the execution failed (state `failed`). */
  readonly error: string | null;
}

/** What {@link ApprovalGate.submit} did. */
export type SubmitOutcome<R> =
  | { readonly kind: 'executed'; readonly result: R }
  | { readonly kind: 'pending'; readonly approval: Approval };

/**
 * Runs an approvable action: now, when the current policy does not require a second person for
 * it, or later, when another security-admin approves the stored request before it expires.
 */
export interface ApprovalGate {
  submit<R>(request: {
    readonly action: ApprovableAction;
    readonly target: string | null;
    readonly params: unknown;
    readonly context: AuditContext;
    /** Wait for a second person whatever the policy's `approvals.requiredFor` says (a message to customers). */
    readonly requireApproval?: boolean;
  }): Promise<SubmitOutcome<R>>;
}

/**
 * Executes one approvable action from its stored params. `requester` is the context of the
 * person who asked (their justification is the action's reason); `approver` the second person,
 * or null when no approval was required.
 */
export type ApprovalExecutor = (params: unknown, requester: AuditContext, approver: AuditContext | null) => Promise<unknown>;
