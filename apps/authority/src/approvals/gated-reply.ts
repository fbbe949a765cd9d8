import type { SubmitOutcome } from '@revmesh/authority-core';
import type { HttpReply } from '../http/http-types';
import { approvalLocation, approvalView, type PendingApprovalView } from './approval.view';

/** The response of an executed action: status, body and its `Location`, if any. */
export interface ExecutedReply {
  readonly status: number;
  readonly body: unknown;
  readonly location?: string;
}

/**
 * Answers an action that went through `core.approvals.submit`: 202
 * `{status:'pending-approval', approval}` with `Location: /v1/approvals/<id>` when it waits for
 * a second security-admin, otherwise the action's normal response. Sent on `reply` directly
 * (the handler takes `@Res()` without passthrough) because the status depends on the outcome,
 * and Nest would overwrite a status set on a passthrough reply with the route's `@HttpCode`.
 */
export function sendGated<R>(reply: HttpReply, outcome: SubmitOutcome<R>, executed: (result: R) => ExecutedReply): void {
  if (outcome.kind === 'pending') {
    const body: PendingApprovalView = { status: 'pending-approval', approval: approvalView(outcome.approval) };
    reply.status(202).header('Location', approvalLocation(outcome.approval.id)).send(body);
    return;
  }
  const { status, body, location } = executed(outcome.result);
  reply.status(status);
  if (location !== undefined) reply.header('Location', location);
  reply.send(body);
}
