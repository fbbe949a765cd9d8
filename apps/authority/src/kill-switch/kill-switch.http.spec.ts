import { startTestAuthority, type AuthorityFixture } from '../testing/authority-fixture.spec-helper';

/** The kill-switch routes: validation, the approval gate (default policy: engage and lift need a second admin), 409 on lifting nothing. */
describe('kill switch HTTP API', () => {
  let f: AuthorityFixture;

  beforeAll(async () => {
    f = await startTestAuthority();
  });
  afterAll(async () => {
    await f.close();
  });

  it('engage waits for a second security-admin, then runs; lift likewise; GET lists the state', async () => {
    const requested = await f.request({ method: 'POST', url: '/v1/kill-switch', payload: { audience: 'demo-api', lockdown: true } });
    expect(requested.statusCode).toBe(202);
    const pending = requested.json<{ status: string; approval: { id: string; action: string; target: string } }>();
    expect(pending).toMatchObject({ status: 'pending-approval', approval: { action: 'kill-switch.engage', target: 'aud:demo-api' } });
    expect(requested.headers['location']).toBe(`/v1/approvals/${pending.approval.id}`);
    expect((await f.request({ method: 'GET', url: '/v1/kill-switch', as: 'viewer' })).json()).toEqual({ switches: [] });

    const second = await f.newOperator('security-admin', 'second-admin');
    const approved = await f.request({ method: 'POST', url: `/v1/approvals/${pending.approval.id}/approve`, payload: {}, as: second });
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ approval: { state: 'executed', result: { lockdown: true, engagedBy: 'admin' } } });

    const listed = await f.request({ method: 'GET', url: '/v1/kill-switch', as: 'viewer' });
    expect(listed.statusCode).toBe(200);
    expect(listed.json()).toEqual({
      switches: [
        {
          scope: { kind: 'audience', audience: 'demo-api' },
          issuedAtOrBefore: expect.any(Number),
          lockdown: true,
          engagedAt: expect.any(Number),
          engagedBy: 'admin',
          liftedAt: null,
          liftedBy: null,
        },
      ],
    });

    const lift = await f.request({ method: 'POST', url: '/v1/kill-switch/lift', payload: { audience: 'demo-api' } });
    expect(lift.statusCode).toBe(202);
    const liftId = lift.json<{ approval: { id: string } }>().approval.id;
    const liftApproved = await f.request({ method: 'POST', url: `/v1/approvals/${liftId}/approve`, payload: {}, as: second });
    expect(liftApproved.json()).toMatchObject({ approval: { state: 'executed', result: { lockdown: false, liftedBy: 'admin' } } });
  });

  it('lift may name an open incident: its approval names it (an unknown one is 422)', async () => {
    const second = await f.newOperator('security-admin', 'lift-second');
    const engaged = await f.request({ method: 'POST', url: '/v1/kill-switch', payload: { audience: 'lift-incident-api', lockdown: false } });
    await f.request({ method: 'POST', url: `/v1/approvals/${engaged.json<{ approval: { id: string } }>().approval.id}/approve`, payload: {}, as: second });
    const unknown = await f.request({ method: 'POST', url: '/v1/kill-switch/lift', payload: { audience: 'lift-incident-api', incident: 'no-such-incident' } });
    expect(unknown.statusCode).toBe(422);
    const incident = (await f.request({ method: 'POST', url: '/v1/incidents', payload: { title: 'drill', severity: 'low', kind: 'drill' } })).json<{ incident: { id: string } }>().incident.id;
    const lift = await f.request({ method: 'POST', url: '/v1/kill-switch/lift', payload: { audience: 'lift-incident-api', incident } });
    expect(lift.json()).toMatchObject({ status: 'pending-approval', approval: { action: 'kill-switch.lift', params: { scope: { kind: 'audience', audience: 'lift-incident-api' }, incident } } });
  });

  it('lifting a scope that is not engaged is 409 before any approval is stored', async () => {
    const response = await f.request({ method: 'POST', url: '/v1/kill-switch/lift', payload: { scope: 'global' } });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ code: 'CONFLICT' });
  });

  it.each([
    ['a future cut', { lockdown: false, issuedAtOrBefore: '2999-01-01T00:00:00Z' }, 'issuedAtOrBefore'],
    ['a cut without a zone', { lockdown: false, issuedAtOrBefore: '2020-01-01T00:00:00' }, 'issuedAtOrBefore'],
    ['no lockdown flag', { audience: 'demo-api' }, 'lockdown'],
    ['both audience and scope', { audience: 'demo-api', scope: 'global', lockdown: false }, 'scope'],
    ['an unknown field', { lockdown: false, everything: true }, 'everything'],
  ])('refuses %s with 400 naming the field', async (_name, payload, field) => {
    const response = await f.request({ method: 'POST', url: '/v1/kill-switch', payload });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ errors: { field: string }[] }>().errors.map((e) => e.field)).toContain(field);
  });

  it('a viewer cannot engage', async () => {
    const response = await f.request({ method: 'POST', url: '/v1/kill-switch', payload: { lockdown: true }, as: 'viewer' });
    expect(response.statusCode).toBe(403);
  });
});
