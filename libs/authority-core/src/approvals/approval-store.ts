import type { Actor } from '@revmesh/contracts';
import type { AuditContext } from '../audit/audit-context';
import { isRole, type Role } from '../operators/roles';
import type { ApprovableAction } from '../policy/policy-document';
import type { AuthorityStore } from '../store/store';
import type { Approval, ApprovalState } from './approval-gate';

interface Row {
  id: string;
  action: ApprovableAction;
  target: string | null;
  params: string;
  state: ApprovalState;
  requested_by_kind: Actor['kind'];
  requested_by_id: string;
  requested_by_role: string | null;
  requested_justification: string | null;
  requested_request_id: string | null;
  requested_source_address: string | null;
  requested_at: number;
  expires_at: number;
  decided_by_kind: Actor['kind'] | null;
  decided_by_id: string | null;
  decided_by_role: string | null;
  decided_at: number | null;
  decision_justification: string | null;
  result: string | null;
  error: string | null;
}

/** A decision written onto a request: who, when, why, and the state it moves to. */
export interface ApprovalDecision {
  readonly state: ApprovalState;
  readonly decidedBy: AuditContext;
  readonly decidedAt: number;
}

/** The `approvals` table. Every write is meant to run inside the caller's transaction. */
export interface ApprovalStore {
  insert(approval: Approval): void;
  get(id: string): Approval | undefined;
  /** Newest first. */
  list(state: ApprovalState | undefined, limit: number): Approval[];
  /** Pending requests whose window ended before `now`. */
  pendingExpiredBefore(now: number): Approval[];
  /**
   * Moves a request from `from` to the decision's state, recording the decider. Returns false
   * (nothing written) when the request is no longer in `from`: the compare-and-set that lets
   * exactly one of two concurrent approvals through.
   */
  decide(id: string, from: ApprovalState, decision: ApprovalDecision): boolean;
  /** Records how an `executing` request ended. */
  finish(id: string, outcome: { readonly state: 'executed'; readonly result: unknown } | { readonly state: 'failed'; readonly error: string }): void;
  /** Requests left `executing` by a process that stopped mid-way. */
  executing(): Approval[];
}

function role(value: string | null): Role | null {
  return isRole(value) ? value : null;
}

function parseJson(text: string | null): unknown {
  return text === null ? null : (JSON.parse(text) as unknown);
}

function fromRow(row: Row): Approval {
  return {
    id: row.id,
    action: row.action,
    target: row.target,
    params: parseJson(row.params),
    requestedBy: {
      actor: { kind: row.requested_by_kind, id: row.requested_by_id },
      role: role(row.requested_by_role),
      justification: row.requested_justification,
      requestId: row.requested_request_id,
      sourceAddress: row.requested_source_address,
    },
    requestedAt: row.requested_at,
    expiresAt: row.expires_at,
    state: row.state,
    decidedBy: row.decided_by_kind === null || row.decided_by_id === null ? null : { kind: row.decided_by_kind, id: row.decided_by_id },
    decidedByRole: role(row.decided_by_role),
    decidedAt: row.decided_at,
    decisionJustification: row.decision_justification,
    result: parseJson(row.result),
    error: row.error,
  };
}

/** Creates the approval repository on top of the store. */
export function createApprovalStore(store: AuthorityStore): ApprovalStore {
  const { db } = store;
  const insert = db.prepare(
    `INSERT INTO approvals (id, action, target, params, state, requested_by_kind, requested_by_id, requested_by_role,
       requested_justification, requested_request_id, requested_source_address, requested_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const selectOne = db.prepare<[string], Row>('SELECT * FROM approvals WHERE id = ?');
  const selectAll = db.prepare<[number], Row>('SELECT * FROM approvals ORDER BY requested_at DESC, id LIMIT ?');
  const selectByState = db.prepare<[string, number], Row>(
    'SELECT * FROM approvals WHERE state = ? ORDER BY requested_at DESC, id LIMIT ?',
  );
  const selectExpired = db.prepare<[number], Row>(
    "SELECT * FROM approvals WHERE state = 'pending' AND expires_at < ? ORDER BY expires_at",
  );
  const selectExecuting = db.prepare<[], Row>("SELECT * FROM approvals WHERE state = 'executing'");
  const updateDecision = db.prepare(
    `UPDATE approvals SET state = ?, decided_by_kind = ?, decided_by_id = ?, decided_by_role = ?, decided_at = ?,
       decision_justification = ?
     WHERE id = ? AND state = ?`,
  );
  const updateFinish = db.prepare(
    "UPDATE approvals SET state = ?, result = ?, error = ? WHERE id = ? AND state = 'executing'",
  );

  return {
    insert(a) {
      insert.run(
        a.id,
        a.action,
        a.target,
        JSON.stringify(a.params ?? null),
        a.state,
        a.requestedBy.actor.kind,
        a.requestedBy.actor.id,
        a.requestedBy.role,
        a.requestedBy.justification,
        a.requestedBy.requestId,
        a.requestedBy.sourceAddress,
        a.requestedAt,
        a.expiresAt,
      );
    },
    get: (id) => {
      const row = selectOne.get(id);
      return row === undefined ? undefined : fromRow(row);
    },
    list: (state, limit) => (state === undefined ? selectAll.all(limit) : selectByState.all(state, limit)).map(fromRow),
    pendingExpiredBefore: (now) => selectExpired.all(now).map(fromRow),
    decide(id, from, d) {
      const changed = updateDecision.run(
        d.state,
        d.decidedBy.actor.kind,
        d.decidedBy.actor.id,
        d.decidedBy.role,
        d.decidedAt,
        d.decidedBy.justification,
        id,
        from,
      ).changes;
      return changed === 1;
    },
    finish(id, outcome) {
      if (outcome.state === 'executed') updateFinish.run('executed', JSON.stringify(outcome.result ?? null), null, id);
      else updateFinish.run('failed', null, outcome.error, id);
    },
    executing: () => selectExecuting.all().map(fromRow),
  };
}
