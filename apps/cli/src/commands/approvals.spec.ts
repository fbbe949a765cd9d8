import { problem } from '../testing/fake-authority.spec-helper';
import { loggedInFixture, TEST_OPERATOR, type LoggedInFixture } from '../testing/run-cli.spec-helper';

const J = 'confirmed with alice by phone, INC-311';
const pending = {
  id: 'appr-1',
  action: 'revocations.client_id',
  target: 'billing',
  params: { target: 'client_id', value: 'billing', reason: 'secret leaked' },
  requestedBy: { username: 'alice', role: 'security-admin', justification: 'secret in a public gist' },
  requestedAt: '2026-11-27T01:00:00.000Z',
  expiresAt: '2026-11-27T02:00:00.000Z',
  state: 'pending',
  decidedBy: null,
  decidedAt: null,
  decisionJustification: null,
  result: null,
  error: null,
};

describe('revmesh approvals', () => {
  let f: LoggedInFixture;
  beforeEach(async () => (f = await loggedInFixture()));
  afterEach(() => f.close());

  it('list: GET /v1/approvals as a table; --state filters', async () => {
    f.authority.on('GET', '/v1/approvals', { status: 200, body: { approvals: [pending] } });
    f.authority.on('GET', '/v1/approvals?state=pending', { status: 200, body: { approvals: [] } });

    const all = await f.run(['approvals', 'list']);
    const none = await f.run(['approvals', 'list', '--state', 'pending']);

    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^ID +ACTION +TARGET +STATE +REQUESTED BY +REQUESTED AT +EXPIRES AT +DECIDED BY$/m);
    expect(all.stdout).toMatch(/^appr-1 +revocations\.client_id +billing +pending +alice +2026-11-27T01:00:00\.000Z +2026-11-27T02:00:00\.000Z +-$/m);
    expect(none.stdout).toBe('No pending approvals.\n');
    expect(f.authority.requests.map((r) => r.path)).toEqual(['/v1/approvals', '/v1/approvals?state=pending']);
  });

  it('show: every member, requester and params included; --json as sent', async () => {
    f.authority.on('GET', '/v1/approvals/appr-1', { status: 200, body: { approval: pending } });
    const run = await f.run(['approvals', 'show', 'appr-1']);
    const json = await f.run(['--json', 'approvals', 'show', 'appr-1']);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^requested by justification +secret in a public gist$/m);
    expect(run.stdout).toMatch(/^params value +billing$/m);
    expect(run.stdout).toMatch(/^expires at +2026-11-27T02:00:00\.000Z$/m);
    expect(JSON.parse(json.stdout)).toEqual({ approval: pending });
  });

  it('show: an unknown id is exit 5', async () => {
    const run = await f.run(['approvals', 'show', 'nope']);
    expect(run.code).toBe(5);
  });

  it('approve: POST {justification}; prints the executed approval and its result', async () => {
    const executed = { ...pending, state: 'executed', decidedBy: { username: TEST_OPERATOR.username }, decisionJustification: J, result: { id: 'rev-9' } };
    f.authority.on('POST', '/v1/approvals/appr-1/approve', { status: 200, body: { approval: executed } });
    const run = await f.run(['approvals', 'approve', 'appr-1', '-j', J]);

    expect(run.code).toBe(0);
    expect(f.authority.requests[0]).toMatchObject({ method: 'POST', path: '/v1/approvals/appr-1/approve', body: { justification: J } });
    expect(run.stdout).toContain('Approved by alice (approval appr-1); executed.\n');
    expect(run.stdout).toMatch(/^result id +rev-9$/m);
  });

  it('approve: an action that failed when executed is exit 1', async () => {
    f.authority.on('POST', '/v1/approvals/appr-1/approve', { status: 200, body: { approval: { ...pending, state: 'failed', error: 'client billing is unknown' } } });
    const run = await f.run(['approvals', 'approve', 'appr-1', '-j', J]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('the action failed: client billing is unknown (code APPROVAL_FAILED)');
  });

  it.each([
    [problem(403, 'SELF_APPROVAL', 'Self-approval', 'you requested this action'), 4, 'hint: another security-admin must approve it (two-person rule)'],
    [problem(409, 'APPROVAL_EXPIRED', 'Approval expired', 'approval appr-1 expired at 2026-11-27T02:00:00.000Z'), 1, '(code APPROVAL_EXPIRED)'],
    [problem(409, 'APPROVAL_NOT_PENDING', 'Approval not pending', 'approval appr-1 is denied'), 1, '(code APPROVAL_NOT_PENDING)'],
    [problem(403, 'FORBIDDEN', 'Forbidden', 'security-admin role required'), 4, 'hint: your role does not allow this; check it with revmesh whoami'],
  ])('approve refused: %j → exit %d', async (reply, code, text) => {
    f.authority.on('POST', '/v1/approvals/appr-1/approve', reply);
    const run = await f.run(['approvals', 'approve', 'appr-1', '-j', J]);
    expect(run.code).toBe(code);
    expect(run.stderr).toContain(text);
  });

  it('deny: POST {justification}', async () => {
    f.authority.on('POST', '/v1/approvals/appr-1/deny', { status: 200, body: { approval: { ...pending, state: 'denied', decisionJustification: 'not an incident' } } });
    const run = await f.run(['approvals', 'deny', 'appr-1', '-j', 'not an incident, rotated on purpose']);
    expect(run.code).toBe(0);
    expect(f.authority.requests[0]!.body).toEqual({ justification: 'not an incident, rotated on purpose' });
    expect(run.stdout).toMatch(/^Denied\.\n/);
    expect(run.stdout).toMatch(/^state +denied$/m);
  });

  it.each([[['approvals', 'approve', 'appr-1']], [['approvals', 'deny', 'appr-1']], [['approvals', 'approve']]])('%j is a usage error and sends nothing', async (argv) => {
    const run = await f.run(argv);
    expect(run.code).toBe(2);
    expect(f.authority.requests).toHaveLength(0);
  });

  it('wait: until decided; exit 0 when executed', async () => {
    const answers = [pending, { ...pending, state: 'executed', decidedBy: { username: 'bob' } }];
    f.authority.on('GET', '/v1/approvals/appr-1', () => ({ status: 200, body: { approval: answers.length > 1 ? answers.shift() : answers[0] } }));
    const run = await f.run(['approvals', 'wait', 'appr-1']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Approved by bob (approval appr-1); executed.');
  });
});
