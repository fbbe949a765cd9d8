import { systemAuditContext } from '@revmesh/authority-core';
import { startTestAuthority, type AuthorityFixture, type TestOperator } from '../testing/authority-fixture.spec-helper';

type Json = Record<string, unknown>;
interface ApprovalJson {
  id: string;
  action: string;
  target: string | null;
  params: Json;
  requestedBy: { username: string; role: string | null; justification: string | null };
  requestedAt: string;
  expiresAt: string;
  state: string;
  decidedBy: { username: string; role: string | null } | null;
  decidedAt: string | null;
  decisionJustification: string | null;
  result: unknown;
  error: string | null;
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * The two-person rule over HTTP with the default policy: key compromise and client_id
 * revocations wait for a second security-admin; sub and jti revocations and rollbacks do not.
 */
describe('approvals HTTP API (two-person rule)', () => {
  let f: AuthorityFixture;
  let second: TestOperator;

  beforeEach(async () => {
    f = await startTestAuthority();
    second = await f.newOperator('security-admin', 'second-admin');
  });
  afterEach(async () => {
    await f.close();
  });

  const activeKid = (): string => f.authority.core.keyStates().find((k) => k.state === 'active')!.kid;
  const keyState = (kid: string): string | undefined => f.authority.core.keyStates().find((k) => k.kid === kid)?.state;
  const approve = (id: string, as: TestOperator | 'security-admin' = second, justification?: string) =>
    f.request({ method: 'POST', url: `/v1/approvals/${id}/approve`, payload: {}, as, ...(justification === undefined ? {} : { justification }) });
  const requestCompromise = async (kid: string): Promise<ApprovalJson> => {
    const res = await f.request({ method: 'POST', url: `/v1/keys/${kid}/compromise`, payload: { reason: 'key in a public paste' }, justification: 'incident 42: private key leaked' });
    expect(res.statusCode).toBe(202);
    const body = res.json<{ status: string; approval: ApprovalJson }>();
    expect(body.status).toBe('pending-approval');
    expect(res.headers['location']).toBe(`/v1/approvals/${body.approval.id}`);
    return body.approval;
  };
  const expectProblem = (res: Awaited<ReturnType<AuthorityFixture['request']>>, status: number, code: string): void => {
    expect({ status: res.statusCode, code: res.json<Json>()['code'] }).toEqual({ status, code });
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  };

  it('key compromise needs a second security-admin: pending (202) and the key stays active until approved', async () => {
    const kid = activeKid();
    const approval = await requestCompromise(kid);
    expect(approval).toEqual({
      id: expect.any(String),
      action: 'keys.compromise',
      target: kid,
      params: { kid, reason: 'key in a public paste' },
      requestedBy: { username: 'admin', role: 'security-admin', justification: 'incident 42: private key leaked' },
      requestedAt: expect.stringMatching(ISO),
      expiresAt: expect.stringMatching(ISO),
      state: 'pending',
      decidedBy: null,
      decidedAt: null,
      decisionJustification: null,
      result: null,
      error: null,
    });
    expect(Date.parse(approval.expiresAt) - Date.parse(approval.requestedAt)).toBe(3_600_000);
    expect(keyState(kid)).toBe('active');

    // Anyone may see what waits.
    const listed = await f.request({ method: 'GET', url: '/v1/approvals?state=pending', as: 'viewer' });
    expect(listed.statusCode).toBe(200);
    expect(listed.json<{ approvals: ApprovalJson[] }>().approvals.map((a) => a.id)).toEqual([approval.id]);
    expect((await f.request({ method: 'GET', url: `/v1/approvals/${approval.id}`, as: 'viewer' })).json()).toEqual({ approval });

    const approved = await approve(approval.id, second, 'confirmed the leak with the requester');
    expect(approved.statusCode).toBe(200);
    const decided = approved.json<{ approval: ApprovalJson }>().approval;
    expect(decided).toMatchObject({
      state: 'executed',
      decidedBy: { username: 'second-admin', role: 'security-admin' },
      decidedAt: expect.stringMatching(ISO),
      decisionJustification: 'confirmed the leak with the requester',
      result: { kind: 'emergency', fromKid: kid, reason: 'key in a public paste', actor: { kind: 'operator', id: 'admin' } },
      error: null,
    });
    expect(keyState(kid)).toBe('revoked');
    expect((await f.request({ method: 'GET', url: '/v1/approvals?state=executed', as: 'viewer' })).json<{ approvals: ApprovalJson[] }>().approvals).toHaveLength(1);

    // Approving again changes nothing.
    expectProblem(await approve(approval.id, await f.newOperator('security-admin', 'third-admin')), 409, 'APPROVAL_NOT_PENDING');
  });

  it('self-approval is refused with 403 SELF_APPROVAL and the key stays active', async () => {
    const kid = activeKid();
    const approval = await requestCompromise(kid);
    expectProblem(await approve(approval.id, 'security-admin'), 403, 'SELF_APPROVAL');
    expect(keyState(kid)).toBe('active');
    expect((await f.request({ method: 'GET', url: `/v1/approvals/${approval.id}`, as: 'viewer' })).json()).toMatchObject({ approval: { state: 'pending' } });
  });

  it('after the window: 409 APPROVAL_EXPIRED, nothing runs, the key stays active and the request is expired', async () => {
    const kid = activeKid();
    const approval = await requestCompromise(kid);
    f.clock.advance(3_600_000 + 1_000);
    // A fresh admin: the others' sessions ended with the hour that passed.
    const late = await f.newOperator('security-admin', 'late-admin');
    expectProblem(await approve(approval.id, late), 409, 'APPROVAL_EXPIRED');
    expect(keyState(kid)).toBe('active');
    const read = await f.request({ method: 'GET', url: `/v1/approvals/${approval.id}`, as: late });
    expect(read.json()).toMatchObject({ approval: { state: 'expired', result: null, decidedBy: { username: 'approvals', role: null } } });
  });

  it('client_id revocation (by a responder): pending, then executed when a security-admin approves', async () => {
    const counts = (): number => f.authority.core.store.db.prepare('SELECT COUNT(*) FROM revocations').pluck().get() as number;
    const requested = await f.request({
      method: 'POST',
      url: '/v1/revocations',
      payload: { target: 'client_id', value: 'demo-client', reason: 'client secret leaked' },
      as: 'responder',
    });
    expect(requested.statusCode).toBe(202);
    const { status, approval } = requested.json<{ status: string; approval: ApprovalJson }>();
    expect(status).toBe('pending-approval');
    expect(approval).toMatchObject({ action: 'revocations.client_id', target: 'demo-client', requestedBy: { username: 'responder', role: 'responder' } });
    expect(requested.headers['location']).toBe(`/v1/approvals/${approval.id}`);
    expect(counts()).toBe(0);

    // A responder cannot approve (security-admin only).
    expectProblem(await approve(approval.id, await f.operator('responder')), 403, 'FORBIDDEN');

    const approved = await approve(approval.id, 'security-admin');
    expect(approved.statusCode).toBe(200);
    const decided = approved.json<{ approval: ApprovalJson & { result: { id: string } } }>().approval;
    expect(decided).toMatchObject({ state: 'executed', result: { target: { type: 'client_id', value: 'demo-client' }, reason: 'client secret leaked' } });
    expect(counts()).toBe(1);
    const revocation = await f.request({ method: 'GET', url: `/v1/revocations/${decided.result.id}`, as: 'viewer' });
    expect(revocation.statusCode).toBe(200);
    expect(revocation.json()).toMatchObject({ target: 'client_id', value: 'demo-client' });
  });

  it('sub and jti revocations are not gated by the default policy: the normal 202 revocation', async () => {
    for (const target of ['sub', 'jti']) {
      const res = await f.request({ method: 'POST', url: '/v1/revocations', payload: { target, value: `${target}-1`, reason: 'r' }, as: 'responder' });
      expect(res.statusCode).toBe(202);
      expect(res.json()).toMatchObject({ target, value: `${target}-1` });
      expect(res.headers['location']).toMatch(/^\/v1\/revocations\//);
    }
    expect((await f.request({ method: 'GET', url: '/v1/approvals', as: 'viewer' })).json()).toEqual({ approvals: [] });
  });

  it('deny: the action never runs and the request cannot be approved afterwards', async () => {
    const kid = activeKid();
    const approval = await requestCompromise(kid);
    const denied = await f.request({ method: 'POST', url: `/v1/approvals/${approval.id}/deny`, payload: {}, as: second, justification: 'not a real leak, false alarm' });
    expect(denied.statusCode).toBe(200);
    expect(denied.json()).toMatchObject({ approval: { state: 'denied', decidedBy: { username: 'second-admin' }, decisionJustification: 'not a real leak, false alarm' } });
    expectProblem(await approve(approval.id), 409, 'APPROVAL_NOT_PENDING');
    expect(keyState(kid)).toBe('active');
  });

  it("disabling an operator denies their pending requests: a compromised admin's request cannot be approved later", async () => {
    const kid = activeKid();
    const suspect = await f.newOperator('security-admin', 'suspect-admin');
    const res = await f.request({ method: 'POST', url: `/v1/keys/${kid}/compromise`, payload: { reason: 'trust me' }, as: suspect });
    expect(res.statusCode).toBe(202);
    const { approval } = res.json<{ approval: ApprovalJson }>();
    const disabled = await f.request({ method: 'POST', url: '/v1/operators/suspect-admin/disable', payload: {}, justification: 'INC-7: account takeover suspected' });
    expect(disabled.statusCode).toBe(200);
    const after = await f.request({ method: 'GET', url: `/v1/approvals/${approval.id}`, as: 'viewer' });
    expect(after.json()).toMatchObject({ approval: { state: 'denied', decisionJustification: expect.stringContaining('requester suspect-admin disabled') } });
    expectProblem(await approve(approval.id), 409, 'APPROVAL_NOT_PENDING');
    expect(keyState(kid)).toBe('active');
  });

  it('a rollback the policy puts behind approval waits, then rolls back once approved', async () => {
    f.authority.core.securityPolicy.update({ approvals: { requiredFor: ['rotations.rollback'] } }, systemAuditContext('test', 'gate rollbacks for this test'));
    const rotated = await f.request({ method: 'POST', url: '/v1/keys/rotate', payload: { reason: 'scheduled by hand' } });
    expect(rotated.statusCode).toBe(201);
    const rotation = rotated.json<{ id: string; from_kid: string }>();
    const requested = await f.request({ method: 'POST', url: `/v1/rotations/${rotation.id}/rollback`, payload: { reason: 'new key breaks a verifier' } });
    expect(requested.statusCode).toBe(202);
    const approval = requested.json<{ approval: ApprovalJson }>().approval;
    expect(approval).toMatchObject({ action: 'rotations.rollback', target: rotation.id, params: { rotationId: rotation.id, reason: 'new key breaks a verifier' } });
    expect(keyState(rotation.from_kid)).toBe('retiring');

    const approved = await approve(approval.id);
    expect(approved.json()).toMatchObject({ approval: { state: 'executed', result: { kind: 'rollback', rollbackOf: rotation.id } } });
    expect(keyState(rotation.from_kid)).toBe('active');
  });

  it('an approved action that fails is recorded as failed with its error (200)', async () => {
    const kid = activeKid();
    const approval = await requestCompromise(kid);
    // Meanwhile someone (here: the core directly) revokes the key.
    await f.authority.core.rotations.compromise(kid, { actor: { kind: 'system', id: 'test' }, reason: 'already handled' });
    const approved = await approve(approval.id);
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ approval: { state: 'failed', result: null, error: expect.stringMatching(/KEY_STATE_CONFLICT/) } });
  });

  it('refuses a compromise of an unknown key before storing anything (404)', async () => {
    expectProblem(await f.request({ method: 'POST', url: '/v1/keys/nope/compromise', payload: { reason: 'r' } }), 404, 'NOT_FOUND');
    expect((await f.request({ method: 'GET', url: '/v1/approvals', as: 'viewer' })).json()).toEqual({ approvals: [] });
  });

  it('validates: unknown approval 404, bad state filter 400, a decision needs a justification', async () => {
    expectProblem(await f.request({ method: 'GET', url: '/v1/approvals/nope', as: 'viewer' }), 404, 'NOT_FOUND');
    expectProblem(await f.request({ method: 'GET', url: '/v1/approvals?state=bogus', as: 'viewer' }), 400, 'INVALID_REQUEST');
    const approval = await requestCompromise(activeKid());
    expectProblem(await f.request({ method: 'POST', url: `/v1/approvals/${approval.id}/approve`, payload: {}, as: second, justification: null }), 400, 'JUSTIFICATION_REQUIRED');
    expectProblem(await f.request({ method: 'POST', url: `/v1/approvals/${approval.id}/approve`, payload: {}, as: 'viewer' }), 403, 'FORBIDDEN');
    expectProblem(await f.request({ method: 'POST', url: `/v1/approvals/${approval.id}/approve`, payload: { extra: 1 }, as: second }), 400, 'INVALID_REQUEST');
  });
});
