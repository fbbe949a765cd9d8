import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditContext } from '../audit/audit-context';
import type { AuditEntryInput } from '../audit/audit-log';
import {
  ApprovalExpiredError,
  ApprovalNotFoundError,
  ApprovalNotPendingError,
  KeyStateConflictError,
  SelfApprovalError,
  ApproverSponsoredError,
} from '../errors/errors';
import { silentLogger } from '../logging/logger';
import { DEFAULT_POLICY, type ApprovableAction, type PolicyDocument } from '../policy/policy-document';
import { openStore, type AuthorityStore } from '../store/store';
import type { ApprovalExecutor } from './approval-gate';
import { createApprovalService, type ApprovalService, type ApprovalServiceOptions } from './approval-service';

const operator = (id: string, justification = `${id} has a good reason`): AuditContext => ({
  actor: { kind: 'operator', id },
  role: 'security-admin',
  justification,
  requestId: `req-${id}`,
  sourceAddress: '10.0.0.1',
});
const alice = operator('alice');
const bob = operator('bob');
const carol = operator('carol');

const WINDOW_S = 600;
const START = Date.UTC(2030, 0, 1, 12, 0, 0);

describe('approval service (two-person rule)', () => {
  let dir: string;
  let store: AuthorityStore;
  let now: number;
  let policy: PolicyDocument;
  let audit: AuditEntryInput[];
  let calls: { action: ApprovableAction; params: unknown; requester: AuditContext; approver: AuditContext | null }[];
  let failWith: Error | undefined;
  let service: ApprovalService;
  let ids: number;

  const executor =
    (action: ApprovableAction): ApprovalExecutor =>
    async (params, requester, approver) => {
      calls.push({ action, params, requester, approver });
      // A real action takes a moment: a concurrent approval may arrive meanwhile.
      await new Promise((resolve) => setImmediate(resolve));
      if (failWith !== undefined) throw failWith;
      return { did: action, params };
    };

  const open = (overrides: Partial<ApprovalServiceOptions> = {}): ApprovalService =>
    createApprovalService({
      store,
      audit: { append: (entry) => ({ ...entry, seq: audit.push(entry), at: now, prevHash: '', hash: '' }) },
      policy: { current: () => policy },
      executors: { 'keys.compromise': executor('keys.compromise'), 'revocations.client_id': executor('revocations.client_id') },
      clock: { now: () => now },
      logger: silentLogger,
      newId: () => `approval-${++ids}`,
      ...overrides,
    });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-approvals-'));
    now = START;
    store = openStore({ dataDir: dir, clock: { now: () => now } });
    policy = { ...DEFAULT_POLICY, approvals: { requiredFor: ['keys.compromise'], windowSeconds: WINDOW_S, coolingOffSeconds: 86_400 } };
    audit = [];
    calls = [];
    failWith = undefined;
    ids = 0;
    service = open();
  });
  afterEach(() => {
    service.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const submitCompromise = (context: AuditContext = alice) =>
    service.submit<{ did: string }>({ action: 'keys.compromise', target: 'kid-1', params: { kid: 'kid-1', reason: 'leaked' }, context });
  const pending = async (context: AuditContext = alice) => {
    const outcome = await submitCompromise(context);
    if (outcome.kind !== 'pending') throw new Error(`expected pending, got ${outcome.kind}`);
    return outcome.approval;
  };
  const actions = (): string[] => audit.map((e) => `${e.action}:${e.outcome}`);

  it('executes at once, with no approval stored, when the policy does not require one for the action', async () => {
    const outcome = await service.submit({ action: 'revocations.client_id', target: 'svc', params: { value: 'svc', reason: 'r' }, context: alice });
    expect(outcome).toEqual({ kind: 'executed', result: { did: 'revocations.client_id', params: { value: 'svc', reason: 'r' } } });
    expect(calls).toEqual([{ action: 'revocations.client_id', params: { value: 'svc', reason: 'r' }, requester: alice, approver: null }]);
    expect(service.list()).toEqual([]);
    expect(audit).toEqual([]);
  });

  it('reads the policy on every submit: an action added to requiredFor waits from the next request on', async () => {
    expect((await service.submit({ action: 'revocations.client_id', target: 'svc', params: { value: 'svc', reason: 'r' }, context: alice })).kind).toBe('executed');
    policy = { ...policy, approvals: { requiredFor: ['revocations.client_id'], windowSeconds: 60, coolingOffSeconds: 86_400 } };
    const outcome = await service.submit({ action: 'revocations.client_id', target: 'svc', params: { value: 'svc', reason: 'r' }, context: alice });
    expect(outcome.kind).toBe('pending');
    expect(outcome.kind === 'pending' && outcome.approval.expiresAt).toBe(START + 60_000);
    expect(calls).toHaveLength(1);
  });

  it('stores a pending request when required: nothing runs, the request is audited as requested', async () => {
    const approval = await pending();
    expect(approval).toEqual({
      id: 'approval-1',
      action: 'keys.compromise',
      target: 'kid-1',
      params: { kid: 'kid-1', reason: 'leaked' },
      requestedBy: alice,
      requestedAt: START,
      expiresAt: START + WINDOW_S * 1000,
      state: 'pending',
      decidedBy: null,
      decidedByRole: null,
      decidedAt: null,
      decisionJustification: null,
      result: null,
      error: null,
    });
    expect(calls).toEqual([]);
    expect(audit).toEqual([
      expect.objectContaining({ action: 'approvals.request', outcome: 'requested', target: 'approval-1', context: alice }),
    ]);
    expect(service.get('approval-1')).toEqual(approval);
    expect(service.list('pending')).toEqual([approval]);
    expect(service.list('executed')).toEqual([]);
  });

  it('approval by a second security-admin runs the action once, as the requester, and records the approver', async () => {
    const approval = await pending();
    now += 1000;
    const decided = await service.approve(approval.id, bob);
    expect(calls).toEqual([{ action: 'keys.compromise', params: { kid: 'kid-1', reason: 'leaked' }, requester: alice, approver: bob }]);
    expect(decided).toMatchObject({
      state: 'executed',
      decidedBy: bob.actor,
      decidedByRole: 'security-admin',
      decidedAt: START + 1000,
      decisionJustification: bob.justification,
      result: { did: 'keys.compromise', params: { kid: 'kid-1', reason: 'leaked' } },
      error: null,
    });
    expect(actions()).toEqual(['approvals.request:requested', 'approvals.approve:succeeded', 'approvals.execute:succeeded']);
    expect(audit[1]).toMatchObject({ context: bob, target: approval.id });
  });

  it('refuses self-approval (403 SELF_APPROVAL): nothing runs, the request stays pending, the refusal is audited', async () => {
    const approval = await pending();
    await expect(service.approve(approval.id, operator('alice', 'I approve my own request'))).rejects.toBeInstanceOf(SelfApprovalError);
    await expect(service.approve(approval.id, operator('ALICE', 'same person, other case'))).rejects.toBeInstanceOf(SelfApprovalError);
    expect(calls).toEqual([]);
    expect(service.get(approval.id).state).toBe('pending');
    expect(actions()).toEqual(['approvals.request:requested', 'approvals.approve:denied', 'approvals.approve:denied']);
    // Another admin still can.
    expect((await service.approve(approval.id, bob)).state).toBe('executed');
  });

  it('selfApproval lets the requester approve when it gives a reason (a drill), recorded in the audit entry; others still refused', async () => {
    service = open({ selfApproval: (approval) => ((approval.params as { reason?: string }).reason === 'drill' ? 'drill' : undefined) });
    const drill = await service.submit({ action: 'keys.compromise', target: 'kid-1', params: { kid: 'kid-1', reason: 'drill' }, context: alice });
    if (drill.kind !== 'pending') throw new Error('expected pending');
    expect((await service.approve(drill.approval.id, alice)).state).toBe('executed');
    expect(audit.find((e) => e.action === 'approvals.approve' && e.outcome === 'succeeded')).toMatchObject({ context: alice, details: { selfApproval: 'drill' } });
    const real = await pending();
    await expect(service.approve(real.id, alice)).rejects.toBeInstanceOf(SelfApprovalError);
  });

  it('approverCheck refuses an approver at decision time (audited, nothing runs); another approver still can', async () => {
    const refusedFor = new Set<string>();
    service = open({ approverCheck: (approval, approver) => (refusedFor.has(approver.actor.id) ? new ApproverSponsoredError(approval.id, 'alice', 'created', now + 1000) : undefined) });
    const approval = await pending();
    // Decided after the request: carol became ineligible meanwhile.
    refusedFor.add('carol');
    await expect(service.approve(approval.id, carol)).rejects.toBeInstanceOf(ApproverSponsoredError);
    expect(calls).toEqual([]);
    expect(service.get(approval.id).state).toBe('pending');
    expect(audit.at(-1)).toMatchObject({ action: 'approvals.approve', outcome: 'denied', context: carol, details: { refused: 'APPROVER_SPONSORED' } });
    // An approver the check does not refuse still may.
    expect((await service.approve(approval.id, bob)).state).toBe('executed');
  });

  it('refuses approval after the window (APPROVAL_EXPIRED): the action is NOT executed and the request becomes expired', async () => {
    const approval = await pending();
    now = approval.expiresAt; // the last instant of the window still counts
    now += 1;
    const refused = service.approve(approval.id, bob);
    await expect(refused).rejects.toBeInstanceOf(ApprovalExpiredError);
    expect(calls).toEqual([]);
    expect(service.get(approval.id)).toMatchObject({ state: 'expired', decidedBy: { kind: 'system', id: 'approvals' } });
    expect(actions()).toEqual(['approvals.request:requested', 'approvals.expire:succeeded', 'approvals.approve:denied']);
    // Once expired, it is no longer pending.
    await expect(service.approve(approval.id, carol)).rejects.toBeInstanceOf(ApprovalNotPendingError);
    expect(calls).toEqual([]);
  });

  it('approves on the last millisecond of the window', async () => {
    const approval = await pending();
    now = approval.expiresAt;
    expect((await service.approve(approval.id, bob)).state).toBe('executed');
  });

  it('the expiry sweep (and any read) expires overdue requests, each audited once', async () => {
    const first = await pending();
    now += 60_000;
    const second = await pending(carol);
    now = first.expiresAt + 1;
    expect(service.expireDue().map((a) => [a.id, a.state])).toEqual([[first.id, 'expired']]);
    expect(service.expireDue()).toEqual([]);
    now = second.expiresAt + 1;
    // Lazily, on read.
    expect(service.list('pending')).toEqual([]);
    expect(service.get(second.id).state).toBe('expired');
    expect(audit.filter((e) => e.action === 'approvals.expire').map((e) => e.target)).toEqual([first.id, second.id]);
  });

  it('start() expires overdue requests periodically until stop()', async () => {
    const approval = await pending();
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    try {
      service.start(1000);
      now = approval.expiresAt + 1;
      jest.advanceTimersByTime(1000);
      expect(audit.map((e) => e.action)).toContain('approvals.expire');
      expect(store.db.prepare('SELECT state FROM approvals WHERE id = ?').pluck().get(approval.id)).toBe('expired');
      service.stop();
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('deny: the action never runs; a denied request cannot be approved afterwards', async () => {
    const approval = await pending();
    const denied = service.deny(approval.id, bob);
    expect(denied).toMatchObject({ state: 'denied', decidedBy: bob.actor, decisionJustification: bob.justification, result: null });
    await expect(service.approve(approval.id, carol)).rejects.toBeInstanceOf(ApprovalNotPendingError);
    expect(() => service.deny(approval.id, carol)).toThrow(ApprovalNotPendingError);
    expect(calls).toEqual([]);
    expect(actions()).toEqual(['approvals.request:requested', 'approvals.deny:succeeded', 'approvals.approve:denied', 'approvals.deny:denied']);
  });

  it('the requester may withdraw (deny) their own request', async () => {
    const approval = await pending();
    expect(service.deny(approval.id, alice).state).toBe('denied');
  });

  it('deny after the window: APPROVAL_EXPIRED, the request is expired', async () => {
    const approval = await pending();
    now = approval.expiresAt + 1;
    expect(() => service.deny(approval.id, bob)).toThrow(ApprovalExpiredError);
    expect(service.get(approval.id).state).toBe('expired');
  });

  it('approving twice: the second approval is refused and the action ran once', async () => {
    const approval = await pending();
    await service.approve(approval.id, bob);
    await expect(service.approve(approval.id, carol)).rejects.toBeInstanceOf(ApprovalNotPendingError);
    expect(calls).toHaveLength(1);
  });

  it('two concurrent approvals: exactly one runs the action, the other is refused as not pending', async () => {
    const approval = await pending();
    const results = await Promise.allSettled([service.approve(approval.id, bob), service.approve(approval.id, carol)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected?.reason).toBeInstanceOf(ApprovalNotPendingError);
    expect(calls).toHaveLength(1);
    expect(service.get(approval.id).state).toBe('executed');
  });

  it('an action that fails leaves the request failed with the error; it is not run again', async () => {
    const approval = await pending();
    failWith = new KeyStateConflictError('kid-1', 'revoked', 'revoked');
    const decided = await service.approve(approval.id, bob);
    expect(decided).toMatchObject({ state: 'failed', result: null, decidedBy: bob.actor });
    expect(decided.error).toMatch(/^KEY_STATE_CONFLICT: key kid-1 is revoked/);
    expect(actions()).toEqual(['approvals.request:requested', 'approvals.approve:succeeded', 'approvals.execute:failed']);
    await expect(service.approve(approval.id, carol)).rejects.toBeInstanceOf(ApprovalNotPendingError);
    expect(calls).toHaveLength(1);
    expect(service.list('failed').map((a) => a.id)).toEqual([approval.id]);
  });

  it('an immediate (not required) execution that fails rejects submit with the error itself', async () => {
    failWith = new Error('boom');
    await expect(service.submit({ action: 'revocations.client_id', target: 'svc', params: { value: 'svc', reason: 'r' }, context: alice })).rejects.toThrow('boom');
  });

  it('a request left executing by a stopped process becomes failed at the next start, never re-run', async () => {
    const approval = await pending();
    store.db.prepare("UPDATE approvals SET state = 'executing' WHERE id = ?").run(approval.id);
    service = open();
    expect(service.get(approval.id)).toMatchObject({ state: 'failed', error: expect.stringMatching(/stopped while this action was executing/) });
    expect(calls).toEqual([]);
  });

  it('unknown ids: ApprovalNotFoundError', async () => {
    expect(() => service.get('nope')).toThrow(ApprovalNotFoundError);
    await expect(service.approve('nope', bob)).rejects.toBeInstanceOf(ApprovalNotFoundError);
    expect(() => service.deny('nope', bob)).toThrow(ApprovalNotFoundError);
  });

  it('an action without an executor cannot be submitted (a wiring bug)', async () => {
    await expect(service.submit({ action: 'kill-switch.engage', target: null, params: {}, context: alice })).rejects.toThrow(TypeError);
  });

  it('lists newest first, filtered by state, bounded', async () => {
    const a = await pending();
    now += 1;
    const b = await pending(bob);
    now += 1;
    const c = await pending(carol);
    service.deny(b.id, carol);
    expect(service.list().map((x) => x.id)).toEqual([c.id, b.id, a.id]);
    expect(service.list('pending').map((x) => x.id)).toEqual([c.id, a.id]);
    expect(service.list('denied').map((x) => x.id)).toEqual([b.id]);
    expect(service.list(undefined, 1).map((x) => x.id)).toEqual([c.id]);
  });
});
