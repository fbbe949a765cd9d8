import { problem } from '../testing/fake-authority.spec-helper';
import { loggedInFixture, type LoggedInFixture } from '../testing/run-cli.spec-helper';

const J = 'joins the on-call rota, SEC-42';
const CODE = 'rme_0123456789abcdefghijklmnopqrstuv';
const bob = { username: 'bob', role: 'responder', createdAt: '2026-11-27T01:00:00.000Z', createdBy: 'alice', disabledAt: null, enrolledAt: null };
const created = { operator: bob, enrolment: { code: CODE, expiresAt: '2026-11-27T02:00:00.000Z' } };
const pending = (action: string) => ({
  status: 202,
  body: {
    status: 'pending-approval',
    approval: {
      id: 'appr-1',
      action,
      target: 'bob',
      params: { username: 'bob' },
      requestedBy: { username: 'alice', role: 'security-admin', justification: J },
      requestedAt: '2026-11-27T01:00:00.000Z',
      expiresAt: '2026-11-27T02:00:00.000Z',
      state: 'pending',
      decidedBy: null,
      decidedAt: null,
      decisionJustification: null,
      result: null,
      error: null,
    },
  },
});

describe('revmesh operators', () => {
  let f: LoggedInFixture;
  beforeEach(async () => {
    f = await loggedInFixture();
    f.authority.on('POST', '/v1/operators', { status: 201, body: created });
  });
  afterEach(() => f.close());

  it('add: POST {username, role, justification} (no password); prints the enrolment code once, never a TOTP secret', async () => {
    const run = await f.run(['operators', 'add', 'bob', '--role', 'responder', '-j', J]);
    expect(run.code).toBe(0);
    expect(f.authority.requests[0]).toMatchObject({ method: 'POST', path: '/v1/operators', body: { username: 'bob', role: 'responder', justification: J } });
    expect(run.stdout).toContain('Created operator bob (responder) on ');
    expect(run.stdout).toContain('Enrolment code (shown only once, single use, valid until 2026-11-27T02:00:00.000Z)');
    expect(run.stdout).toContain(`code         ${CODE}\n`);
    expect(run.stdout).toMatch(/They set their own password and TOTP with: revmesh --authority \S+ enrol\n/);
    expect(run.stdout).not.toMatch(/otpauth|secret/);
  });

  it('add --json: the answer as sent', async () => {
    const run = await f.run(['--json', 'operators', 'add', 'bob', '--role', 'responder', '-j', J]);
    expect(JSON.parse(run.stdout)).toEqual(created);
  });

  it('add of a security-admin left pending approval: exit 8 with the approval id', async () => {
    f.authority.on('POST', '/v1/operators', pending('operators.add-security-admin'));
    const run = await f.run(['operators', 'add', 'bob', '--role', 'security-admin', '-j', J]);
    expect(run.code).toBe(8);
    expect(run.stdout + run.stderr).toContain('appr-1');
  });

  it('add: an existing operator is refused (exit 1)', async () => {
    f.authority.on('POST', '/v1/operators', problem(409, 'OPERATOR_EXISTS', 'Operator exists', 'operator bob exists'));
    const run = await f.run(['operators', 'add', 'bob', '--role', 'viewer', '-j', J]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('revmesh: Operator exists: operator bob exists (code OPERATOR_EXISTS)\n');
  });

  it.each([
    [['operators', 'add', 'bob', '--role', 'root', '-j', J], /argument 'root' is invalid/],
    [['operators', 'add', 'bob', '--role', 'viewer'], /a justification is required/],
    [['operators', 'add', 'bob', '--role', 'viewer', '-j', J, '--password-stdin'], /unknown option '--password-stdin'/],
    [['operators', 'disable', 'bob'], /a justification is required/],
    [['operators', 'role', 'bob', 'root', '-j', J], /value 'root' is invalid for argument 'role'/],
  ])('%j is a usage error and sends nothing', async (argv, message) => {
    const run = await f.run(argv, { stdin: 'pw' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(f.authority.requests).toHaveLength(0);
  });

  it('list: a table', async () => {
    f.authority.on('GET', '/v1/operators', {
      status: 200,
      body: { operators: [bob, { ...bob, username: 'carol', enrolledAt: '2026-11-27T01:10:00.000Z', disabledAt: '2026-11-27T03:00:00.000Z' }] },
    });
    const run = await f.run(['operators', 'list']);
    expect(run.stdout).toMatch(/^USERNAME +ROLE +CREATED AT +CREATED BY +ENROLLED AT +DISABLED AT$/m);
    expect(run.stdout).toMatch(/^carol +responder +2026-11-27T01:00:00\.000Z +alice +2026-11-27T01:10:00\.000Z +2026-11-27T03:00:00\.000Z$/m);
  });

  it('disable: POST /v1/operators/:username/disable {justification}', async () => {
    f.authority.on('POST', '/v1/operators/bob%20smith/disable', { status: 200, body: { operator: { ...bob, disabledAt: '2026-11-27T03:00:00.000Z' } } });
    const run = await f.run(['operators', 'disable', 'bob smith', '-j', 'left the company, HR-7']);
    expect(run.code).toBe(0);
    expect(f.authority.requests[0]!.body).toEqual({ justification: 'left the company, HR-7' });
    expect(run.stdout).toMatch(/^disabled at +2026-11-27T03:00:00\.000Z$/m);
  });

  it.each([
    [['operators', 'role', 'bob', 'security-admin'], '/v1/operators/bob/role', { role: 'security-admin' }, 'operators.raise-role'],
    [['operators', 'enable', 'bob'], '/v1/operators/bob/enable', {}, 'operators.enable'],
    [['operators', 'reset-second-factor', 'bob'], '/v1/operators/bob/reset-second-factor', {}, 'operators.reset-second-factor'],
  ])('%j: POST %s, left pending approval (exit 8)', async (argv, path, body, action) => {
    f.authority.on('POST', path, pending(action));
    const run = await f.run([...argv, '-j', J]);
    expect(run.code).toBe(8);
    expect(f.authority.requests[0]).toMatchObject({ method: 'POST', path, body: { ...body, justification: J } });
  });

  it('role: lowering applies at once (200) and shows the operator', async () => {
    f.authority.on('POST', '/v1/operators/bob/role', { status: 200, body: { operator: { ...bob, role: 'viewer' } } });
    const run = await f.run(['operators', 'role', 'bob', 'viewer', '-j', J]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Role changed\.\n/);
    expect(run.stdout).toMatch(/^role +viewer$/m);
  });

  it('enrolment-code: POST /v1/operators/:username/enrolment; prints the new code once', async () => {
    f.authority.on('POST', '/v1/operators/bob/enrolment', { status: 201, body: { enrolment: created.enrolment } });
    const run = await f.run(['operators', 'enrolment-code', 'bob', '-j', J]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`code         ${CODE}\n`);
  });
});
