import { systemAuditContext } from '@revmesh/authority-core';
import {
  enrolTestOperator,
  startTestAuthority,
  TEST_BOOTSTRAP_TOKEN,
  type AuthorityFixture,
  type TestOperator,
} from '../testing/authority-fixture.spec-helper';

type Json = Record<string, unknown>;
const json = (res: { body: string }): Json => JSON.parse(res.body) as Json;
const DAY_MS = 86_400_000;

/**
 * The two-person rule over privilege changes, with the default policy: one security-admin alone
 * cannot obtain a second approving identity by any route (create, raise, re-enable, reset a
 * second factor, re-issue an enrolment code, bootstrap), and an operator the requester created
 * or raised cannot approve the requester's actions during the cooling-off period.
 */
describe('privilege changes (two-person rule, separation of duties)', () => {
  let f: AuthorityFixture;
  let alice: TestOperator;

  beforeEach(async () => {
    f = await startTestAuthority();
    alice = await f.operator('security-admin');
  });
  afterEach(() => f.close());

  const post = (url: string, payload: Json, as: TestOperator) => f.request({ method: 'POST', url, payload, as });
  const approvalIdOf = (res: { statusCode: number; body: string }): string => {
    expect(res.statusCode).toBe(202);
    expect(json(res)).toMatchObject({ status: 'pending-approval' });
    return String((json(res)['approval'] as Json)['id']);
  };
  const approve = (id: string, as: TestOperator) => post(`/v1/approvals/${id}/approve`, {}, as);
  const audited = (action: string) => f.authority.core.audit.list(0, 1000).filter((e) => e.action === action);
  const operator = (username: string) => f.authority.core.operators.list().find((o) => o.username === username);
  /** The second initial security-admin, through the bootstrap token, enrolled by its holder. */
  const bootstrapSecond = async (username: string): Promise<TestOperator> => {
    const res = await f.request({ method: 'POST', url: '/v1/bootstrap', payload: { username }, as: null, headers: { authorization: `Bearer ${TEST_BOOTSTRAP_TOKEN}` } });
    expect(res.statusCode).toBe(201);
    return enrolTestOperator(f.authority.core, String((json(res)['enrolment'] as Json)['code']), 'security-admin');
  };
  /** A fresh login (sessions last an hour; the clock moves by days here). */
  const relogin = async (op: TestOperator): Promise<TestOperator> => {
    f.clock.advance(30_000);
    const res = await f.request({ method: 'POST', url: '/v1/login', payload: { username: op.username, password: op.password, totp: await f.totp(op) }, as: null });
    expect(res.statusCode).toBe(200);
    const token = String(json(res)['token']);
    return { ...op, token, headers: { authorization: `Bearer ${token}` } };
  };
  const expectRefused = (res: { statusCode: number; body: string }, status: number, code: string) => {
    expect({ status: res.statusCode, code: json(res)['code'] }).toEqual({ status, code });
  };

  describe('one security-admin alone', () => {
    it('creating a security-admin waits for an approval the requester cannot give; nothing is created', async () => {
      const id = approvalIdOf(await post('/v1/operators', { username: 'puppet', role: 'security-admin' }, alice));
      expect(operator('puppet')).toBeUndefined();
      expectRefused(await approve(id, alice), 403, 'SELF_APPROVAL');
      expect(operator('puppet')).toBeUndefined();
      expect(audited('approvals.request').map((e) => [e.actor.id, (e.details as Json)['action']])).toEqual([['admin', 'operators.add-security-admin']]);
      expect(audited('approvals.approve').map((e) => [e.actor.id, e.outcome, (e.details as Json)['refused']])).toEqual([['admin', 'denied', 'SELF_APPROVAL']]);
    });

    it('a responder they created and enrolled themselves cannot be raised to security-admin, nor approve', async () => {
      const created = await post('/v1/operators', { username: 'sidekick', role: 'responder' }, alice);
      expect(created.statusCode).toBe(201);
      // The creator holds the code and enrols as the new operator: all they get is a responder.
      const sidekick = await enrolTestOperator(f.authority.core, String((json(created)['enrolment'] as Json)['code']), 'responder');
      const id = approvalIdOf(await post('/v1/operators/sidekick/role', { role: 'security-admin' }, alice));
      expect(operator('sidekick')?.role).toBe('responder');
      expectRefused(await approve(id, alice), 403, 'SELF_APPROVAL');
      expectRefused(await approve(id, sidekick), 403, 'FORBIDDEN');
      expect(operator('sidekick')?.role).toBe('responder');
      expect(audited('approvals.request').map((e) => (e.details as Json)['action'])).toEqual(['operators.raise-role']);
    });

    it('a disabled security-admin cannot be re-enabled, nor have their second factor reset or a new code issued, by one admin', async () => {
      const bob = await bootstrapSecond('bob');
      expect((await post('/v1/operators/bob/disable', {}, alice)).statusCode).toBe(200);
      // Alone now: bringing bob back, or taking over bob's identity, needs a second person.
      const enable = approvalIdOf(await post('/v1/operators/bob/enable', {}, alice));
      const reset = approvalIdOf(await post('/v1/operators/bob/reset-second-factor', {}, alice));
      expectRefused(await approve(enable, alice), 403, 'SELF_APPROVAL');
      expectRefused(await approve(reset, alice), 403, 'SELF_APPROVAL');
      expectRefused(await post('/v1/operators/bob/enrolment', {}, alice), 409, 'OPERATOR_ENROLLED');
      expect(operator('bob')).toMatchObject({ disabledAt: expect.any(Number), enrolledAt: expect.any(Number) });
      // bob's own session ended with the disabling: he cannot approve either.
      expectRefused(await approve(enable, bob), 401, 'UNAUTHORIZED');
      expect(audited('approvals.request').map((e) => (e.details as Json)['action'])).toEqual(['operators.enable', 'operators.reset-second-factor']);
    });

    it('the bootstrap token makes no more than operators.bootstrapAdmins security-admins', async () => {
      await bootstrapSecond('bob');
      const third = await f.request({ method: 'POST', url: '/v1/bootstrap', payload: { username: 'puppet' }, as: null, headers: { authorization: `Bearer ${TEST_BOOTSTRAP_TOKEN}` } });
      expectRefused(third, 409, 'BOOTSTRAP_DONE');
      expect(operator('puppet')).toBeUndefined();
    });
  });

  describe('two security-admins', () => {
    it("a second admin approves a new security-admin; the creator's puppet cannot approve the creator for the cooling-off period", async () => {
      const bob = await bootstrapSecond('bob');
      const create = approvalIdOf(await post('/v1/operators', { username: 'carol', role: 'security-admin' }, alice));
      const approved = await approve(create, bob);
      expect(approved.statusCode).toBe(200);
      expect(json(approved)['approval']).toMatchObject({ state: 'executed', result: { operator: { username: 'carol', role: 'security-admin', enrolledAt: null } } });
      // No enrolment code in the stored approval (every viewer reads approvals).
      expect(approved.body).not.toMatch(/rme_/);
      // alice gets carol's code and enrols as carol herself: the insider's move.
      const code = await post('/v1/operators/carol/enrolment', {}, alice);
      expect(code.statusCode).toBe(201);
      const carol = await enrolTestOperator(f.authority.core, String((json(code)['enrolment'] as Json)['code']), 'security-admin');

      const killSwitch = approvalIdOf(await post('/v1/kill-switch', { audience: 'orders', lockdown: false }, alice));
      const refused = await approve(killSwitch, carol);
      expectRefused(refused, 403, 'APPROVER_SPONSORED');
      expect(String(json(refused)['detail'])).toMatch(/^admin handed you an enrolment code recently; you cannot approve their request/);
      expect(audited('approvals.approve').at(-1)).toMatchObject({ actor: { id: 'carol' }, outcome: 'denied', details: { refused: 'APPROVER_SPONSORED' } });
      // bob, whom alice did not sponsor, may.
      expect((await approve(killSwitch, bob)).statusCode).toBe(200);

      // After the cooling-off period (24 h by default) carol is an ordinary second admin.
      f.clock.advance(DAY_MS + 60_000);
      const [alice2, carol2] = [await relogin(alice), await relogin(carol)];
      const lift = approvalIdOf(await post('/v1/kill-switch/lift', { audience: 'orders' }, alice2));
      expect((await approve(lift, carol2)).statusCode).toBe(200);
    });

    it('separation is checked when the approval is decided: an operator raised after the request cannot approve it', async () => {
      const bob = await bootstrapSecond('bob');
      const killSwitch = approvalIdOf(await post('/v1/kill-switch', { audience: 'orders', lockdown: false }, alice));
      const dave = await f.newOperator('responder', 'dave');
      const raise = approvalIdOf(await post('/v1/operators/dave/role', { role: 'security-admin' }, alice));
      expect((await approve(raise, bob)).statusCode).toBe(200);
      expect(operator('dave')?.role).toBe('security-admin');
      expectRefused(await approve(killSwitch, dave), 403, 'APPROVER_SPONSORED');
      // Nor can an operator alice re-enabled, nor one whose code alice issued.
      expect((await post('/v1/operators/bob/disable', {}, dave)).statusCode).toBe(200);
      const enable = approvalIdOf(await post('/v1/operators/bob/enable', {}, alice));
      expectRefused(await approve(enable, dave), 403, 'APPROVER_SPONSORED');
      expect(f.authority.core.approvals.get(killSwitch).state).toBe('pending');
    });

    it('with operators.add-security-admin left out of the policy, a security-admin is created at once with its code, and still cannot approve its creator', async () => {
      const bob = await bootstrapSecond('bob');
      f.authority.core.securityPolicy.update({ approvals: { requiredFor: ['kill-switch.engage'] } }, systemAuditContext('test', 'a policy without the operators.* actions'));
      const created = await post('/v1/operators', { username: 'carol', role: 'security-admin' }, alice);
      expect(created.statusCode).toBe(201);
      expect(json(created)).toMatchObject({ operator: { username: 'carol', role: 'security-admin' }, enrolment: { code: expect.stringMatching(/^rme_/) } });
      const carol = await enrolTestOperator(f.authority.core, String((json(created)['enrolment'] as Json)['code']), 'security-admin');
      const killSwitch = approvalIdOf(await post('/v1/kill-switch', { audience: 'orders', lockdown: false }, alice));
      expectRefused(await approve(killSwitch, carol), 403, 'APPROVER_SPONSORED');
      expect((await approve(killSwitch, bob)).statusCode).toBe(200);
    });

    it('a reset second factor makes the operator enrol again; lowering a role is immediate', async () => {
      const bob = await bootstrapSecond('bob');
      const erin = await f.newOperator('responder', 'erin');
      const reset = approvalIdOf(await post('/v1/operators/erin/reset-second-factor', {}, alice));
      expect((await approve(reset, bob)).statusCode).toBe(200);
      expect(operator('erin')?.enrolledAt).toBeNull();
      expectRefused(await f.request({ method: 'GET', url: '/v1/me', as: erin }), 401, 'UNAUTHORIZED');
      const code = await post('/v1/operators/erin/enrolment', {}, bob);
      const again = await enrolTestOperator(f.authority.core, String((json(code)['enrolment'] as Json)['code']), 'responder');
      expect((await f.request({ method: 'GET', url: '/v1/me', as: again })).statusCode).toBe(200);
      const lowered = await post('/v1/operators/erin/role', { role: 'viewer' }, alice);
      expect(lowered.statusCode).toBe(200);
      expect(json(lowered)['operator']).toMatchObject({ username: 'erin', role: 'viewer' });
    });
  });
});
