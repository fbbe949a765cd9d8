import { randomUUID } from 'node:crypto';
import { systemAuditContext, type AuditContext } from '../audit/audit-context';
import type { AuditLog } from '../audit/audit-log';
import {
  ApprovalExpiredError,
  ApprovalNotFoundError,
  ApprovalNotPendingError,
  AuthorityError,
  SelfApprovalError,
} from '../errors/errors';
import { logErrorFields } from '../logging/log-fields';
import type { AuthorityLogger } from '../logging/logger';
import type { ApprovableAction, PolicySource } from '../policy/policy-document';
import type { AuthorityStore } from '../store/store';
import type { Clock, Milliseconds } from '../time/clock';
import type { Approval, ApprovalExecutor, ApprovalGate, ApprovalState, SubmitOutcome } from './approval-gate';
import { createApprovalStore } from './approval-store';

/** Actor id of what the approval service does on its own (expiry, crash recovery). */
export const APPROVALS_SYSTEM_ID = 'approvals';

/** How often pending requests past their window are expired, unless told otherwise. */
export const DEFAULT_APPROVAL_SWEEP_MS: Milliseconds = 30_000;

/** Most requests one list returns. */
export const MAX_APPROVAL_LIST = 500;

/**
 * The two-person rule: {@link ApprovalGate.submit} plus what a second security-admin does with
 * a stored request. Roles are the HTTP layer's business; this service enforces that the
 * approver is not the requester, that the window has not passed, and that an approved action
 * runs exactly once.
 */
export interface ApprovalService extends ApprovalGate {
  /** Newest first, optionally one state only. Expires overdue requests first. */
  list(state?: ApprovalState, limit?: number): Approval[];
  /**
   * One request. Expires overdue requests first.
   * @throws {ApprovalNotFoundError} for an unknown id.
   */
  get(id: string): Approval;
  /**
   * Approves a pending request and runs its action with the requester's context (their
   * justification is the action's reason). Resolves with the request `executed` (with the
   * action's result) or `failed` (with the error message); a failure of the action is not a
   * rejection.
   *
   * @throws {ApprovalNotFoundError} for an unknown id.
   * @throws {ApprovalNotPendingError} when already decided, or being executed by a concurrent approval.
   * @throws {ApprovalExpiredError} when its window has passed (the request becomes `expired`; nothing runs).
   * @throws {SelfApprovalError} when `approver` is the requester.
   * @throws {ApproverSponsoredError} (or whatever `approverCheck` returns) when the approver is refused.
   */
  approve(id: string, approver: AuditContext): Promise<Approval>;
  /**
   * Denies a pending request; its action never runs. The requester may deny (withdraw) their
   * own request: only approving it needs a second person.
   *
   * @throws {ApprovalNotFoundError} / {ApprovalNotPendingError} / {ApprovalExpiredError} as {@link approve}.
   */
  deny(id: string, context: AuditContext): Approval;
  /** Expires every pending request whose window has passed (each audited). @returns them, expired. */
  expireDue(): Approval[];
  /** Starts the periodic expiry sweep (timer does not keep the process alive). Idempotent. */
  start(intervalMs?: Milliseconds): void;
  /** Stops the sweep. Idempotent. */
  stop(): void;
}

export interface ApprovalServiceOptions {
  readonly store: AuthorityStore;
  /** Requests, decisions, executions and expiries are audited in the transaction that records them. */
  readonly audit: Pick<AuditLog, 'append'>;
  /** Read on every submit: which actions need approval, and the window. */
  readonly policy: PolicySource;
  /** How each approvable action runs. An action without one cannot be submitted. */
  readonly executors: Partial<Readonly<Record<ApprovableAction, ApprovalExecutor>>>;
  readonly clock: Clock;
  readonly logger: AuthorityLogger;
  /** Id generator (tests). Default: random UUIDs. */
  readonly newId?: () => string;
  /**
   * Further separation of duties, checked when an approval is decided (in its transaction):
   * an error refuses the approver (audited as a refusal), e.g. an approver whose account the
   * requester created recently. Absent: only the requester is refused.
   */
  readonly approverCheck?: (approval: Approval, approver: AuditContext, now: number) => AuthorityError | undefined;
  /**
   * Lets the requester approve their own request when it returns a reason (recorded as
   * `selfApproval` in the audit entry), e.g. `drill` for a drill's action under the policy's
   * `drills.allowSelfApproval`. Absent or undefined: the requester is refused (SELF_APPROVAL).
   */
  readonly selfApproval?: (approval: Approval) => string | undefined;
}

const SYSTEM = systemAuditContext(APPROVALS_SYSTEM_ID);

/** What an executed action returned, as JSON; something JSON cannot hold is recorded as a note. */
function toJson(value: unknown): unknown {
  try {
    return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown);
  } catch (error) {
    return { unserializable: String(error) };
  }
}

function errorMessage(error: unknown): string {
  if (error instanceof AuthorityError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Same person: same kind of actor with the same id. Case-insensitive, as operator usernames are
 * (`Alice` must not approve what `alice` asked for).
 */
function sameActor(a: AuditContext, b: AuditContext): boolean {
  return a.actor.kind === b.actor.kind && a.actor.id.toLowerCase() === b.actor.id.toLowerCase();
}

/**
 * Creates the approval service. Requests left `executing` by a process that stopped mid-way are
 * marked `failed` here (one authority per database): whether their action took effect must be
 * checked by a person, never guessed by running it again.
 */
export function createApprovalService(options: ApprovalServiceOptions): ApprovalService {
  const { store, audit, policy, executors, clock, logger } = options;
  const newId = options.newId ?? randomUUID;
  const approvals = createApprovalStore(store);
  let timer: NodeJS.Timeout | undefined;

  const executorOf = (action: ApprovableAction): ApprovalExecutor => {
    const executor = executors[action];
    if (executor === undefined) throw new TypeError(`no executor is registered for the approvable action ${action}`);
    return executor;
  };

  const mustGet = (id: string): Approval => {
    const approval = approvals.get(id);
    if (approval === undefined) throw new ApprovalNotFoundError(id);
    return approval;
  };

  const subject = (a: Approval) => ({ action: a.action, target: a.target });

  /** Inside a transaction: the request becomes `expired` and the expiry is audited. */
  const expireInTx = (approval: Approval, now: number): void => {
    if (!approvals.decide(approval.id, 'pending', { state: 'expired', decidedBy: SYSTEM, decidedAt: now })) return;
    audit.append({
      action: 'approvals.expire',
      outcome: 'succeeded',
      target: approval.id,
      context: SYSTEM,
      details: { ...subject(approval), expiresAt: approval.expiresAt },
    });
  };

  const expireDue = (): Approval[] => {
    const now = clock.now();
    // Every read sweeps: look before taking the write lock, which nothing due needs.
    if (approvals.pendingExpiredBefore(now).length === 0) return [];
    const due = store.transaction(() => {
      const rows = approvals.pendingExpiredBefore(now);
      for (const approval of rows) expireInTx(approval, now);
      return rows;
    });
    if (due.length > 0) logger.info('approval requests expired', { approvalIds: due.map((a) => a.id) });
    return due.map((a) => mustGet(a.id));
  };

  /**
   * Checks a pending request can be decided by `context` now; expires it when its window has
   * passed. Runs inside the deciding transaction; refusals are audited and returned (not
   * thrown: a throw would roll back the expiry and the audit entry).
   */
  const refusalInTx = (auditAction: string, approval: Approval, context: AuditContext, now: number, selfAllowed: boolean): AuthorityError | undefined => {
    let refusal: AuthorityError | undefined;
    if (approval.state !== 'pending') refusal = new ApprovalNotPendingError(approval.id, approval.state);
    else if (now > approval.expiresAt) {
      expireInTx(approval, now);
      refusal = new ApprovalExpiredError(approval.id, approval.expiresAt);
    } else if (!selfAllowed && sameActor(approval.requestedBy, context)) refusal = new SelfApprovalError(approval.id);
    else if (!selfAllowed) refusal = options.approverCheck?.(approval, context, now);
    if (refusal !== undefined) {
      audit.append({
        action: auditAction,
        outcome: 'denied',
        target: approval.id,
        context,
        details: { ...subject(approval), refused: refusal.code },
      });
    }
    return refusal;
  };

  // Crash recovery: never re-run an action that may have happened.
  const interrupted = approvals.executing();
  if (interrupted.length > 0) {
    store.transaction(() => {
      for (const approval of interrupted) {
        const error = 'the authority stopped while this action was executing; check whether it took effect before asking again';
        approvals.finish(approval.id, { state: 'failed', error });
        audit.append({
          action: 'approvals.execute',
          outcome: 'failed',
          target: approval.id,
          context: SYSTEM,
          details: { ...subject(approval), error },
        });
      }
    });
    logger.warn('approved actions interrupted by a stop were marked failed', { approvalIds: interrupted.map((a) => a.id) });
  }

  return {
    async submit<R>(request: Parameters<ApprovalGate['submit']>[0]): Promise<SubmitOutcome<R>> {
      const executor = executorOf(request.action);
      const current = policy.current().approvals;
      if (request.requireApproval !== true && !current.requiredFor.includes(request.action)) {
        return { kind: 'executed', result: (await executor(request.params, request.context, null)) as R };
      }
      const now = clock.now();
      const approval: Approval = {
        id: newId(),
        action: request.action,
        target: request.target,
        // Stored as JSON and read back: what executes later is exactly what was approved.
        params: toJson(request.params),
        requestedBy: request.context,
        requestedAt: now,
        expiresAt: now + current.windowSeconds * 1000,
        state: 'pending',
        decidedBy: null,
        decidedByRole: null,
        decidedAt: null,
        decisionJustification: null,
        result: null,
        error: null,
      };
      store.transaction(() => {
        approvals.insert(approval);
        audit.append({
          action: 'approvals.request',
          outcome: 'requested',
          target: approval.id,
          context: request.context,
          details: { ...subject(approval), params: approval.params, expiresAt: approval.expiresAt },
        });
      });
      return { kind: 'pending', approval: mustGet(approval.id) };
    },

    list(state, limit = 100) {
      expireDue();
      return approvals.list(state, Math.max(1, Math.min(limit, MAX_APPROVAL_LIST)));
    },

    get(id) {
      expireDue();
      return mustGet(id);
    },

    async approve(id, approver) {
      const now = clock.now();
      const claimed = store.transaction((): { approval: Approval } | { refusal: AuthorityError } => {
        const approval = mustGet(id);
        const selfApproval = sameActor(approval.requestedBy, approver) ? options.selfApproval?.(approval) : undefined;
        const refusal = refusalInTx('approvals.approve', approval, approver, now, selfApproval !== undefined);
        if (refusal !== undefined) return { refusal };
        // The compare-and-set pending -> executing: a concurrent approval finds it taken.
        if (!approvals.decide(id, 'pending', { state: 'executing', decidedBy: approver, decidedAt: now })) {
          return { refusal: new ApprovalNotPendingError(id, mustGet(id).state) };
        }
        audit.append({
          action: 'approvals.approve',
          outcome: 'succeeded',
          target: id,
          context: approver,
          details: { ...subject(approval), requestedBy: approval.requestedBy.actor, ...(selfApproval === undefined ? {} : { selfApproval }) },
        });
        return { approval };
      });
      if ('refusal' in claimed) throw claimed.refusal;

      const { approval } = claimed;
      let outcome: { readonly state: 'executed'; readonly result: unknown } | { readonly state: 'failed'; readonly error: string };
      try {
        // The executor may reject the action (the key is already revoked...): that is the
        // request's outcome, recorded, not an error of the approval.
        outcome = { state: 'executed', result: toJson(await executorOf(approval.action)(approval.params, approval.requestedBy, approver)) };
      } catch (error) {
        outcome = { state: 'failed', error: errorMessage(error) };
        logger.warn('approved action failed', { approvalId: id, action: approval.action, ...logErrorFields(error) });
      }
      store.transaction(() => {
        approvals.finish(id, outcome);
        audit.append({
          action: 'approvals.execute',
          outcome: outcome.state === 'executed' ? 'succeeded' : 'failed',
          target: id,
          context: approver,
          details: { ...subject(approval), ...(outcome.state === 'failed' ? { error: outcome.error } : {}) },
        });
      });
      return mustGet(id);
    },

    deny(id, context) {
      const now = clock.now();
      const refusal = store.transaction((): AuthorityError | undefined => {
        const approval = mustGet(id);
        const refused = refusalInTx('approvals.deny', approval, context, now, true);
        if (refused !== undefined) return refused;
        if (!approvals.decide(id, 'pending', { state: 'denied', decidedBy: context, decidedAt: now })) {
          return new ApprovalNotPendingError(id, mustGet(id).state);
        }
        audit.append({
          action: 'approvals.deny',
          outcome: 'succeeded',
          target: id,
          context,
          details: { ...subject(approval), requestedBy: approval.requestedBy.actor },
        });
        return undefined;
      });
      if (refusal !== undefined) throw refusal;
      return mustGet(id);
    },

    expireDue,

    start(intervalMs = DEFAULT_APPROVAL_SWEEP_MS) {
      if (timer !== undefined) return;
      timer = setInterval(() => {
        try {
          expireDue();
        } catch (error) {
          logger.error('approval expiry sweep failed', logErrorFields(error));
        }
      }, intervalMs);
      timer.unref();
    },

    stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };
}
