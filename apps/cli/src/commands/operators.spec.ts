import { problem } from '../testing/fake-authority.spec-helper';
import { loggedInFixture, type LoggedInFixture } from '../testing/run-cli.spec-helper';
import { ScriptedTty } from '../testing/scripted-tty.spec-helper';

const J = 'joins the on-call rota, SEC-42';
const URI = 'otpauth://totp/revmesh:bob?secret=JBSWY3DPEHPK3PXP&issuer=revmesh';
const created = { operator: { username: 'bob', role: 'responder', createdAt: '2026-11-27T01:00:00.000Z', createdBy: 'alice', disabledAt: null }, totp: { secret: 'JBSWY3DPEHPK3PXP', otpauthUri: URI } };

describe('revmesh operators', () => {
  let f: LoggedInFixture;
  beforeEach(async () => {
    f = await loggedInFixture();
    f.authority.on('POST', '/v1/operators', { status: 201, body: created });
  });
  afterEach(() => f.close());

  it('add --password-stdin: POST {username, password, role, justification}; prints the TOTP enrolment once', async () => {
    const run = await f.run(['operators', 'add', 'bob', '--role', 'responder', '-j', J, '--password-stdin'], { stdin: 'bobs password\n' });

    expect(run.code).toBe(0);
    expect(f.authority.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v1/operators',
      body: { username: 'bob', password: 'bobs password', role: 'responder', justification: J },
    });
    expect(run.stdout).toContain('Created operator bob (responder) on ');
    expect(run.stdout).toContain('Store this in your authenticator now: it is shown only once and cannot be shown again.\n');
    expect(run.stdout).toContain(`otpauth URI  ${URI}\n`);
    expect(run.stdout).toContain('secret       JBSWY3DPEHPK3PXP\n');
    expect(run.stdout + run.stderr).not.toContain('bobs password');
  });

  it('add --json: the fields as sent', async () => {
    const run = await f.run(['--json', 'operators', 'add', 'bob', '--role', 'responder', '-j', J, '--password-stdin'], { stdin: 'pw' });
    expect(JSON.parse(run.stdout)).toEqual(created);
  });

  it('add at a terminal: the password twice, hidden', async () => {
    const run = await f.run(['operators', 'add', 'bob', '--role', 'responder', '-j', J], { stdin: new ScriptedTty(['s3cret pass', 's3cret pass']) });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('new password for bob (input hidden): \nrepeat it (input hidden): \n');
    expect((f.authority.requests[0]!.body as { password: string }).password).toBe('s3cret pass');
  });

  it('add at a terminal: two different entries send nothing (exit 2)', async () => {
    const run = await f.run(['operators', 'add', 'bob', '--role', 'responder', '-j', J], { stdin: new ScriptedTty(['one', 'two']) });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('the two passwords differ; nothing was sent');
    expect(f.authority.requests).toHaveLength(0);
  });

  it('add: an existing operator is refused (exit 1)', async () => {
    f.authority.on('POST', '/v1/operators', problem(409, 'OPERATOR_EXISTS', 'Operator exists', 'operator bob exists'));
    const run = await f.run(['operators', 'add', 'bob', '--role', 'viewer', '-j', J, '--password-stdin'], { stdin: 'pw' });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('revmesh: Operator exists: operator bob exists (code OPERATOR_EXISTS)\n');
  });

  it.each([
    [['operators', 'add', 'bob', '--role', 'root', '-j', J, '--password-stdin'], /argument 'root' is invalid/],
    [['operators', 'add', 'bob', '--role', 'viewer', '--password-stdin'], /a justification is required/],
    [['operators', 'disable', 'bob'], /a justification is required/],
  ])('%j is a usage error and sends nothing', async (argv, message) => {
    const run = await f.run(argv, { stdin: 'pw' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(f.authority.requests).toHaveLength(0);
  });

  it('list: a table', async () => {
    f.authority.on('GET', '/v1/operators', { status: 200, body: { operators: [created.operator, { ...created.operator, username: 'carol', disabledAt: '2026-11-27T03:00:00.000Z' }] } });
    const run = await f.run(['operators', 'list']);
    expect(run.stdout).toMatch(/^USERNAME +ROLE +CREATED AT +CREATED BY +DISABLED AT$/m);
    expect(run.stdout).toMatch(/^carol +responder +2026-11-27T01:00:00\.000Z +alice +2026-11-27T03:00:00\.000Z$/m);
  });

  it('disable: POST /v1/operators/:username/disable {justification}', async () => {
    f.authority.on('POST', '/v1/operators/bob%20smith/disable', { status: 200, body: { operator: { ...created.operator, disabledAt: '2026-11-27T03:00:00.000Z' } } });
    const run = await f.run(['operators', 'disable', 'bob smith', '-j', 'left the company, HR-7']);
    expect(run.code).toBe(0);
    expect(f.authority.requests[0]!.body).toEqual({ justification: 'left the company, HR-7' });
    expect(run.stdout).toMatch(/^disabled at +2026-11-27T03:00:00\.000Z$/m);
  });
});
