import { loggedInFixture, type LoggedInFixture } from '../testing/run-cli.spec-helper';

const J = 'INC-311 opened by on-call';
const T = Date.UTC(2026, 11, 6, 5);
const incident = { id: 'inc-1', title: 'token leaked in a CI log', severity: 'high', owner: 'alice', kind: 'incident', status: 'open', created_at: T, updated_at: T, links: [] };

describe('revmesh incident', () => {
  let f: LoggedInFixture;
  beforeEach(async () => {
    f = await loggedInFixture();
  });
  afterEach(() => f.close());

  it('open: POST /v1/incidents with the title, severity and justification; --drill is kind drill', async () => {
    f.authority.on('POST', '/v1/incidents', { status: 201, body: { incident } });
    const run = await f.run(['incident', 'open', '--title', 'token leaked in a CI log', '--severity', 'high', '-j', J]);
    expect(run.code).toBe(0);
    expect(f.authority.requests[0]).toMatchObject({ method: 'POST', path: '/v1/incidents', body: { title: 'token leaked in a CI log', severity: 'high', justification: J } });
    expect(run.stdout).toContain('incident inc-1: token leaked in a CI log');
    expect(run.stdout).toContain('--incident inc-1');

    await f.run(['incident', 'open', '--title', 'drill', '--severity', 'low', '--drill', '--owner', 'bob', '-j', J]);
    expect(f.authority.requests[1]!.body).toEqual({ title: 'drill', severity: 'low', owner: 'bob', kind: 'drill', justification: J });
  });

  it('open refuses a severity outside the closed set before any request', async () => {
    const run = await f.run(['incident', 'open', '--title', 't', '--severity', 'sev1', '-j', J]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('sev1');
    expect(f.authority.requests).toEqual([]);
  });

  it('close and update: PATCH the status; link: POST the action', async () => {
    f.authority.on('PATCH', '/v1/incidents/inc-1', { status: 200, body: { incident: { ...incident, status: 'resolved' } } });
    f.authority.on('POST', '/v1/incidents/inc-1/links', { status: 200, body: { incident: { ...incident, links: [{ kind: 'revocation', id: 'rev-9', linked_at: T }] } } });
    expect((await f.run(['incident', 'close', 'inc-1', '-j', 'review done'])).code).toBe(0);
    expect(f.authority.requests[0]).toMatchObject({ method: 'PATCH', path: '/v1/incidents/inc-1', body: { status: 'resolved', justification: 'review done' } });
    await f.run(['incident', 'update', 'inc-1', '--status', 'contained', '--severity', 'critical', '-j', J]);
    expect(f.authority.requests[1]!.body).toEqual({ status: 'contained', severity: 'critical', justification: J });
    const linked = await f.run(['incident', 'link', 'inc-1', 'revocation', 'rev-9', '-j', J]);
    expect(f.authority.requests[2]).toMatchObject({ path: '/v1/incidents/inc-1/links', body: { kind: 'revocation', id: 'rev-9', justification: J } });
    expect(linked.stdout).toContain('revocation rev-9');
  });

  it('show: the timeline, coverage per service and the containment time, or why not', async () => {
    const timeline = {
      incident: { ...incident, links: [{ kind: 'revocation', id: 'rev-9', linked_at: T + 1000 }] },
      entries: [
        { at: T, type: 'audit', seq: 1, action: 'incidents.open', outcome: 'succeeded', target: 'inc-1', actor: { kind: 'operator', id: 'alice' } },
        { at: T + 1000, type: 'audit', seq: 2, action: 'revocations.create', outcome: 'succeeded', target: 'rev-9', actor: { kind: 'operator', id: 'alice' } },
        { at: T + 1500, type: 'instance.applied', kind: 'revocation', action_id: 'rev-9', instance_id: 'orders-1', audiences: ['orders'] },
      ],
      coverage: [
        {
          audience: 'orders',
          instances: [
            { instance_id: 'orders-1', first_applied_at: T + 1500, last_applied_at: T + 1500, pending: [], accepted_after_revocation: 2 },
            { instance_id: 'orders-2', first_applied_at: T + 1600, last_applied_at: T + 1600, pending: [], accepted_after_revocation: null },
          ],
        },
      ],
      containment: { contained_at: T + 1500, why: null, accepted_after_revocation: { known: false, count: null, why: 'not per credential' } },
    };
    f.authority.on('GET', '/v1/incidents/inc-1/timeline', { status: 200, body: timeline });
    const run = await f.run(['incident', 'show', 'inc-1']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('orders-1 applied revocation rev-9');
    expect(run.stdout).toMatch(/orders-1 .* accepted after revocation: 2\n/);
    expect(run.stdout).toMatch(/orders-2 .* accepted after revocation: unknown\n/);
    expect(run.stdout).toContain('Contained at 2026-12-06T05:00:01.500Z');
    expect(run.stdout).toContain('Requests accepted after the revocation: unknown (not per credential)');
    const json = await f.run(['incident', 'show', 'inc-1', '--json']);
    expect(JSON.parse(json.stdout)).toEqual(timeline);
  });

  it('list: a table, optionally one status', async () => {
    f.authority.on('GET', '/v1/incidents?status=open', { status: 200, body: { incidents: [incident] } });
    const run = await f.run(['incident', 'list', '--status', 'open']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^inc-1 +open +high +incident +alice/m);
  });

  it('revoke --incident sends the incident with the revocation', async () => {
    f.authority.on('POST', '/v1/revocations', {
      status: 202,
      body: { id: 'rev-9', target: 'jti', value: 'j-1', iss: null, reason: 'leaked', revoked_at: T, not_after_iat: T / 1000, expires_at: T + 3_600_000, published: false, published_at: null },
    });
    const run = await f.run(['revoke', 'jti', 'j-1', '--reason', 'leaked', '--incident', 'inc-1', '-j', J]);
    expect(run.code).toBe(0);
    expect(f.authority.requests[0]!.body).toEqual({ target: 'jti', value: 'j-1', reason: 'leaked', incident: 'inc-1', justification: J });
  });

  it('keys rotate, keys compromise and kill-switch on take --incident', async () => {
    f.authority.on('POST', '/v1/keys/rotate', { status: 201, body: { id: 'rot-1' } });
    f.authority.on('POST', '/v1/keys/k1/compromise', { status: 201, body: { id: 'rot-2' } });
    f.authority.on('POST', '/v1/kill-switch', { status: 200, body: { scope: { kind: 'global' }, lockdown: false, issuedAtOrBefore: T, engagedAt: T, engagedBy: 'alice', liftedAt: null, liftedBy: null } });
    await f.run(['keys', 'rotate', '--reason', 'leaked', '--incident', 'inc-1', '-j', J]);
    await f.run(['keys', 'compromise', 'k1', '--reason', 'leaked', '--incident', 'inc-1', '-j', J]);
    await f.run(['kill-switch', 'on', '--incident', 'inc-1', '-j', J]);
    expect(f.authority.requests.map((r) => [r.path, r.body])).toEqual([
      ['/v1/keys/rotate', { reason: 'leaked', incident: 'inc-1', justification: J }],
      ['/v1/keys/k1/compromise', { reason: 'leaked', incident: 'inc-1', justification: J }],
      ['/v1/kill-switch', { lockdown: false, incident: 'inc-1', justification: J }],
    ]);
  });
});
