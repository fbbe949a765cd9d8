import { loggedInFixture, type LoggedInFixture } from '../testing/run-cli.spec-helper';

const J = 'orders API breach, INC-77';
const T = Date.UTC(2026, 10, 27, 1);
const engaged = {
  scope: { kind: 'audience', audience: 'orders' },
  issuedAtOrBefore: T,
  lockdown: true,
  engagedAt: T,
  engagedBy: 'alice',
  liftedAt: null,
  liftedBy: null,
};

describe('revmesh kill-switch', () => {
  let f: LoggedInFixture;
  beforeEach(async () => {
    f = await loggedInFixture();
    f.authority.on('POST', '/v1/kill-switch', { status: 200, body: engaged });
    f.authority.on('POST', '/v1/kill-switch/lift', { status: 200, body: { ...engaged, lockdown: false, liftedAt: T + 60_000, liftedBy: 'bob' } });
  });
  afterEach(() => f.close());

  it('on --audience --lockdown --issued-at-or-before: the body the authority expects, time in UTC', async () => {
    const run = await f.run(['kill-switch', 'on', '--audience', 'orders', '--lockdown', '--issued-at-or-before', '2026-11-27T02:00:00+01:00', '-j', J]);

    expect(run.code).toBe(0);
    expect(f.authority.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v1/kill-switch',
      body: { audience: 'orders', lockdown: true, issuedAtOrBefore: '2026-11-27T01:00:00.000Z', justification: J },
    });
    expect(run.stdout).toContain('Kill switch engaged.\n');
    expect(run.stdout).toMatch(/^scope audience +orders$/m);
    expect(run.stdout).toMatch(/^rejects iat <= +2026-11-27T01:00:00\.000Z$/m);
  });

  it('on without options: global, no lockdown, cut chosen by the authority', async () => {
    await f.run(['kill-switch', 'on', '-j', J]);
    expect(f.authority.requests[0]!.body).toEqual({ lockdown: false, justification: J });
  });

  it('off: POST /v1/kill-switch/lift', async () => {
    const run = await f.run(['kill-switch', 'off', '--audience', 'orders', '-j', 'contained, INC-77 closed']);
    expect(run.code).toBe(0);
    expect(f.authority.requests[0]).toMatchObject({ path: '/v1/kill-switch/lift', body: { audience: 'orders', justification: 'contained, INC-77 closed' } });
    expect(run.stdout).toMatch(/^lifted by +bob$/m);
  });

  it('off --incident: the lift names the incident', async () => {
    const run = await f.run(['kill-switch', 'off', '--audience', 'orders', '--incident', 'inc-7', '-j', J]);
    expect(run.code).toBe(0);
    expect(f.authority.requests[0]).toMatchObject({ path: '/v1/kill-switch/lift', body: { audience: 'orders', incident: 'inc-7', justification: J } });
  });

  it('status: a table of every scope', async () => {
    f.authority.on('GET', '/v1/kill-switch', { status: 200, body: { switches: [engaged, { ...engaged, scope: { kind: 'global' }, lockdown: false }] } });
    const run = await f.run(['kill-switch', 'status']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^SCOPE +LOCKDOWN +REJECTS IAT <= +ENGAGED AT +ENGAGED BY/m);
    expect(run.stdout).toMatch(/^orders +yes +2026-11-27T01:00:00\.000Z/m);
    expect(run.stdout).toMatch(/^global +no +/m);
  });

  it('status: nothing engaged', async () => {
    f.authority.on('GET', '/v1/kill-switch', { status: 200, body: { switches: [] } });
    expect((await f.run(['kill-switch', 'status'])).stdout).toBe('No kill switch was ever engaged.\n');
  });

  it.each([
    [['kill-switch', 'on'], /a justification is required/],
    [['kill-switch', 'on', '--issued-at-or-before', '2026-11-27', '-j', J], /expected an ISO 8601 time with a zone/],
    [['kill-switch', 'on', '--audience', ' ', '-j', J], /must not be blank/],
    [['kill-switch', 'off'], /a justification is required/],
  ])('%j is a usage error and sends nothing', async (argv, message) => {
    const run = await f.run(argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(f.authority.requests).toHaveLength(0);
  });
});
