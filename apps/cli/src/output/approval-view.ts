import { isJsonObject, type ApprovalView } from '../http/api-types';
import { describeRecord, type Column } from './record-view';
import { clean, formatValue } from './text';

const APPROVAL_ORDER = [
  'id',
  'action',
  'target',
  'state',
  'requestedBy',
  'requestedAt',
  'expiresAt',
  'decidedBy',
  'decidedAt',
  'decisionJustification',
  'error',
  'params',
  'result',
];

const APPROVAL_LABELS: Readonly<Record<string, string>> = {
  requestedAt: 'requested at',
  expiresAt: 'expires at',
  decidedAt: 'decided at',
  decisionJustification: 'decision justification',
};

/** Columns of `approvals list`. */
export const APPROVAL_COLUMNS: readonly Column[] = [
  { header: 'id', keys: ['id'] },
  { header: 'action', keys: ['action'] },
  { header: 'target', keys: ['target'] },
  { header: 'state', keys: ['state'] },
  { header: 'requested by', keys: ['requestedBy.username'] },
  { header: 'requested at', keys: ['requestedAt'] },
  { header: 'expires at', keys: ['expiresAt'] },
  { header: 'decided by', keys: ['decidedBy.username', 'decidedBy.id', 'decidedBy'] },
];

/** An approval as aligned pairs; nested members (requester, params, result) as `parent child` lines. */
export function renderApproval(approval: ApprovalView): string {
  return describeRecord(approval, APPROVAL_ORDER, APPROVAL_LABELS);
}

/** Who decided, for one-line messages. */
export function deciderOf(approval: ApprovalView): string {
  const decided = approval.decidedBy;
  if (isJsonObject(decided)) {
    const name = decided['username'] ?? decided['id'];
    if (typeof name === 'string') return clean(name);
  }
  return typeof decided === 'string' ? clean(decided) : 'another security-admin';
}

/** What to tell the requester of a pending action: the id and the commands that move it on. */
export function renderPending(approval: ApprovalView): string {
  const what = approval.action === undefined ? 'This action' : `${clean(approval.action)}${approval.target ? ` on ${clean(String(approval.target))}` : ''}`;
  return (
    `Pending approval: ${what} waits for a second security-admin; nothing was executed yet.\n` +
    `approval id  ${clean(approval.id)}\n` +
    `expires at   ${formatValue('expiresAt', approval.expiresAt)}\n` +
    `Another security-admin approves it with: revmesh approvals approve ${clean(approval.id)} -j "<why>"\n` +
    `Follow it with: revmesh approvals show ${clean(approval.id)}   (or wait for it: revmesh approvals wait ${clean(approval.id)})\n`
  );
}
