import type { AuditContext } from '../audit/audit-context';
import { openCoreFixture, publishAll, type CoreFixture } from '../testing/core-fixture.spec-helper';

const requester: AuditContext = {
  actor: { kind: 'operator', id: 'alice' },
  role: 'security-admin',
  justification: 'key seen in a public paste',
  requestId: 'req-1',
  sourceAddress: '10.0.0.1',
};
const approver: AuditContext = { ...requester, actor: { kind: 'operator', id: 'bob' }, justification: 'confirmed the paste', requestId: 'req-2' };

describe('approval executors, wired in the core', () => {
  let f: CoreFixture;
  beforeEach(async () => {
    f = await openCoreFixture();
    publishAll(f.core, f.time.now);
    f.time.onSleep = (now) => publishAll(f.core, now);
  });
  afterEach(() => f.cleanup());

  const activeKid = (): string => f.core.keyStates().find((k) => k.state === 'active')!.kid;
  const stateOf = (kid: string): string | undefined => f.core.keyStates().find((k) => k.kid === kid)?.state;

  it('keys.compromise (approval required by default) runs only once approved, as the requester', async () => {
    const kid = activeKid();
    const outcome = await f.core.approvals.submit({ action: 'keys.compromise', target: kid, params: { kid, reason: 'leaked' }, context: requester });
    expect(outcome.kind).toBe('pending');
    if (outcome.kind !== 'pending') return;
    expect(stateOf(kid)).toBe('active');

    const approval = await f.core.approvals.approve(outcome.approval.id, approver);
    expect(approval.state).toBe('executed');
    expect(stateOf(kid)).toBe('revoked');
    expect(approval.result).toMatchObject({ kind: 'emergency', fromKid: kid, actor: requester.actor, reason: 'leaked' });

    // The audit log: the request, the approval (by bob), the action itself (as alice, with her justification), its outcome.
    const entries = f.core.audit.list(0, 1000).filter((e) => e.action.startsWith('approvals.') || e.action === 'keys.compromise');
    expect(entries.map((e) => [e.action, e.outcome, e.actor.id])).toEqual([
      ['approvals.request', 'requested', 'alice'],
      ['approvals.approve', 'succeeded', 'bob'],
      ['keys.compromise', 'succeeded', 'alice'],
      ['approvals.execute', 'succeeded', 'bob'],
    ]);
    expect(entries[2]?.justification).toBe(requester.justification);
  });

  it('revocations.sub (not required by default) executes at once through the revocation service', async () => {
    const outcome = await f.core.approvals.submit({
      action: 'revocations.sub',
      target: 'user-1',
      params: { value: 'user-1', reason: 'account takeover' },
      context: requester,
    });
    expect(outcome.kind).toBe('executed');
    expect(outcome.kind === 'executed' && outcome.result).toMatchObject({ target: { type: 'sub', value: 'user-1' }, actor: requester.actor });
  });

  it('revocations.client_id approved: the client is revoked with the requester as actor', async () => {
    const outcome = await f.core.approvals.submit({
      action: 'revocations.client_id',
      target: 'svc',
      params: { value: 'svc', reason: 'secret leaked' },
      context: requester,
    });
    if (outcome.kind !== 'pending') throw new Error('expected pending');
    const approval = await f.core.approvals.approve(outcome.approval.id, approver);
    expect(approval).toMatchObject({ state: 'executed', result: { target: { type: 'client_id', value: 'svc' }, reason: 'secret leaked' } });
    const revocationId = (approval.result as { id: string }).id;
    expect(f.core.revocations.get(revocationId).target).toEqual({ type: 'client_id', value: 'svc' });
  });

  it('params are validated again at execution: an edited row fails and nothing runs', async () => {
    const kid = activeKid();
    const outcome = await f.core.approvals.submit({ action: 'keys.compromise', target: kid, params: { kid, reason: 'leaked' }, context: requester });
    if (outcome.kind !== 'pending') throw new Error('expected pending');
    f.core.store.db.prepare('UPDATE approvals SET params = ? WHERE id = ?').run(JSON.stringify({ kid, reason: 'leaked', extra: 1 }), outcome.approval.id);
    const approval = await f.core.approvals.approve(outcome.approval.id, approver);
    expect(approval.state).toBe('failed');
    expect(approval.error).toMatch(/invalid params for keys.compromise/);
    expect(stateOf(kid)).toBe('active');
  });
});
