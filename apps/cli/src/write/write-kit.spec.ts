import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { problem, type FakeReply } from '../testing/fake-authority.spec-helper';
import { loggedInFixture, STEPPED_UP_TOKEN, TEST_OPERATOR, type LoggedInFixture } from '../testing/run-cli.spec-helper';
import { ScriptedTty } from '../testing/scripted-tty.spec-helper';

const J = 'INC-9: compromised key found in a public repository';
const COMPROMISE = '/v1/keys/kid-1/compromise';
const rotation = { id: 'rot-7', kind: 'emergency', old_kid: 'kid-1', new_kid: 'kid-2' };
const stepUpRequired = problem(401, 'STEP_UP_REQUIRED', 'Step-up required', 'this write needs a second factor given within the last 600 s');

function approval(state: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'appr-1',
    action: 'keys.compromise',
    target: 'kid-1',
    params: { kid: 'kid-1', reason: 'leak' },
    requestedBy: { username: 'alice', role: 'security-admin', justification: J },
    requestedAt: '2026-11-27T01:00:00.000Z',
    expiresAt: '2026-11-27T02:00:00.000Z',
    state,
    decidedBy: null,
    decidedAt: null,
    decisionJustification: null,
    result: null,
    error: null,
    ...extra,
  };
}

const pendingReply: FakeReply = {
  status: 202,
  body: { status: 'pending-approval', approval: approval('pending') },
  headers: { location: '/v1/approvals/appr-1' },
};

/** Answers in turn, repeating the last one. */
function sequence(...replies: FakeReply[]): () => FakeReply {
  return () => (replies.length > 1 ? replies.shift()! : replies[0]!);
}

describe('writes: justification, step-up, approvals', () => {
  let f: LoggedInFixture;
  beforeEach(async () => (f = await loggedInFixture()));
  afterEach(() => f.close());

  describe('justification', () => {
    it('takes it from REVMESH_JUSTIFICATION when -j is absent; -j wins over it', async () => {
      f.authority.on('POST', COMPROMISE, { status: 200, body: rotation });
      await f.run(['keys', 'compromise', 'kid-1', '--reason', 'leak'], { env: { REVMESH_JUSTIFICATION: '  from the environment  ' } });
      await f.run(['keys', 'compromise', 'kid-1', '--reason', 'leak', '--justification', 'from the flag'], { env: { REVMESH_JUSTIFICATION: 'env' } });
      expect(f.authority.requests.map((r) => (r.body as { justification: string }).justification)).toEqual(['from the environment', 'from the flag']);
    });

    it("shows the authority's refusal of a short one with how to fix it", async () => {
      f.authority.on('POST', COMPROMISE, problem(400, 'JUSTIFICATION_REQUIRED', 'Justification required', 'at least 10 characters'));
      const run = await f.run(['keys', 'compromise', 'kid-1', '--reason', 'leak', '-j', 'short']);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        'revmesh: Justification required: at least 10 characters (code JUSTIFICATION_REQUIRED)\n' +
          'hint: say why with -j/--justification "<text>" (or REVMESH_JUSTIFICATION); it is recorded in the audit log\n',
      );
    });
  });

  describe('step-up', () => {
    beforeEach(() => {
      // Like the guard: the login token is too old for writes, the stepped-up one is fresh.
      f.authority.on('POST', COMPROMISE, (request) =>
        request.headers.authorization === `Bearer ${STEPPED_UP_TOKEN}` ? { status: 200, body: rotation } : stepUpRequired,
      );
    });

    it('with --totp: steps up, stores the renewed token, and sends the write once more', async () => {
      const run = await f.run(['keys', 'compromise', 'kid-1', '--reason', 'leak', '-j', J, '--totp', TEST_OPERATOR.totp]);

      expect(run.code).toBe(0);
      expect(f.authority.requests.map((r) => `${r.method} ${r.path} ${r.headers.authorization}`)).toEqual([
        `POST ${COMPROMISE} Bearer ${TEST_OPERATOR.token}`,
        `POST /v1/login/step-up Bearer ${TEST_OPERATOR.token}`,
        `POST ${COMPROMISE} Bearer ${STEPPED_UP_TOKEN}`,
      ]);
      expect(f.authority.requests[1]!.body).toEqual({ totp: TEST_OPERATOR.totp });
      expect(f.authority.requests[2]!.body).toEqual({ reason: 'leak', justification: J });
      expect(run.stderr).toContain('The authority asks for a fresh second factor for this write (step-up).');
      expect(run.stdout).toMatch(/^id +rot-7$/m);
      expect(readFileSync(join(f.configDir, 'credentials.json'), 'utf8')).toContain(STEPPED_UP_TOKEN);

      // The renewed session is used from then on: no second step-up.
      const again = await f.run(['keys', 'compromise', 'kid-1', '--reason', 'leak', '-j', J]);
      expect(again.code).toBe(0);
      expect(f.authority.requests).toHaveLength(4);
    });

    it('with REVMESH_TOTP', async () => {
      const run = await f.run(['keys', 'compromise', 'kid-1', '--reason', 'leak', '-j', J], { env: { REVMESH_TOTP: TEST_OPERATOR.totp } });
      expect(run.code).toBe(0);
    });

    it('at a terminal: asks for the code without echo', async () => {
      const tty = new ScriptedTty([TEST_OPERATOR.totp]);
      const run = await f.run(['keys', 'compromise', 'kid-1', '--reason', 'leak', '-j', J], { stdin: tty });
      expect(run.code).toBe(0);
      expect(run.stderr).toContain('TOTP code from your authenticator (step-up): \n');
      expect(run.stderr).not.toContain(TEST_OPERATOR.totp);
      expect(tty.rawModes).toEqual([true, false]);
    });

    it('without a terminal or a code: one line, exit 7, no step-up attempt', async () => {
      const run = await f.run(['keys', 'compromise', 'kid-1', '--reason', 'leak', '-j', J]);
      expect(run.code).toBe(7);
      expect(run.stderr).toMatch(/^revmesh: fresh second factor needed: .* \(code STEP_UP_NEEDED\)$/m);
      expect(run.stderr).toContain('hint: pass the current code from your authenticator with --totp <code> (or REVMESH_TOTP)');
      expect(f.authority.requests.map((r) => r.path)).toEqual([COMPROMISE]);
    });

    it('a wrong code is refused (exit 4) and the write is not retried', async () => {
      const run = await f.run(['keys', 'compromise', 'kid-1', '--reason', 'leak', '-j', J, '--totp', '000000']);
      expect(run.code).toBe(4);
      expect(run.stderr).toMatch(/^revmesh: login refused: step-up refused \(INVALID_CREDENTIALS: .*\); nothing was changed \(code LOGIN_REFUSED\)$/m);
      expect(f.authority.requests.map((r) => r.path)).toEqual([COMPROMISE, '/v1/login/step-up']);
    });

    it('retries only once', async () => {
      f.authority.on('POST', COMPROMISE, stepUpRequired);
      const run = await f.run(['keys', 'compromise', 'kid-1', '--reason', 'leak', '-j', J, '--totp', TEST_OPERATOR.totp]);
      expect(run.code).toBe(4);
      expect(run.stderr).toContain('(code STEP_UP_REQUIRED)');
      expect(f.authority.requests.map((r) => r.path)).toEqual([COMPROMISE, '/v1/login/step-up', COMPROMISE]);
    });
  });

  describe('approvals', () => {
    beforeEach(() => f.authority.on('POST', COMPROMISE, pendingReply));

    it('pending: prints the approval id and what to run, exit 8, nothing executed', async () => {
      const run = await f.run(['keys', 'compromise', 'kid-1', '--reason', 'leak', '-j', J]);

      expect(run.code).toBe(8);
      expect(run.stdout).toContain('Pending approval: keys.compromise on kid-1 waits for a second security-admin; nothing was executed yet.\n');
      expect(run.stdout).toMatch(/^approval id +appr-1$/m);
      expect(run.stdout).toMatch(/^expires at +2026-11-27T02:00:00\.000Z$/m);
      expect(run.stdout).toContain('revmesh approvals approve appr-1 -j "<why>"');
      expect(run.stderr).toBe('');
    });

    it('pending with --json: the 202 body as the one document, exit 8', async () => {
      const run = await f.run(['--json', 'keys', 'compromise', 'kid-1', '--reason', 'leak', '-j', J]);
      expect(run.code).toBe(8);
      expect(JSON.parse(run.stdout)).toEqual(pendingReply.body);
    });

    it('--wait: polls the approval with progress until it executed, then shows the result (exit 0)', async () => {
      const executed = approval('executed', { decidedBy: { username: 'bob' }, decidedAt: '2026-11-27T01:05:00.000Z', result: rotation });
      f.authority.on('GET', '/v1/approvals/appr-1', sequence({ status: 200, body: { approval: approval('pending') } }, { status: 200, body: { approval: approval('executing') } }, { status: 200, body: { approval: executed } }));

      const run = await f.run(['keys', 'compromise', 'kid-1', '--reason', 'leak', '-j', J, '--wait']);

      expect(run.code).toBe(0);
      expect(run.stderr).toContain('approval appr-1: pending, waiting for a second security-admin (expires at 2026-11-27T02:00:00.000Z)\n');
      expect(run.stderr).toContain('approval appr-1: approved, the action is running\n');
      expect(run.stdout).toContain('Approved by bob (approval appr-1); executed.\n');
      expect(run.stdout).toMatch(/^new kid +kid-2$/m);
      const polls = f.authority.requests.filter((r) => r.path === '/v1/approvals/appr-1');
      expect(polls).toHaveLength(3);

      const json = await f.run(['--json', 'keys', 'compromise', 'kid-1', '--reason', 'leak', '-j', J, '--wait']);
      expect(JSON.parse(json.stdout)).toEqual({ approval: executed, result: rotation });
    });

    it.each([
      ['denied', { decidedBy: { username: 'bob' }, decisionJustification: 'not an incident' }, 9, /^revmesh: approval denied: approval appr-1 was denied by bob: not an incident; nothing was executed \(code APPROVAL_DENIED\)$/m],
      ['expired', {}, 9, /^revmesh: approval expired: approval appr-1 expired before anyone approved it; nothing was executed \(code APPROVAL_EXPIRED\)$/m],
      ['failed', { decidedBy: { username: 'bob' }, error: 'key kid-1 is retired' }, 1, /^revmesh: approved action failed: approval appr-1 was approved by bob but the action failed: key kid-1 is retired \(code APPROVAL_FAILED\)$/m],
    ])('--wait ending %s: exit %d, naming the decision', async (state, extra, code, line) => {
      f.authority.on('GET', '/v1/approvals/appr-1', { status: 200, body: { approval: approval(state, extra) } });
      const run = await f.run(['keys', 'compromise', 'kid-1', '--reason', 'leak', '-j', J, '--wait']);
      expect(run.code).toBe(code);
      expect(run.stderr).toMatch(line);
      expect(run.stdout).toMatch(new RegExp(`^state +${state}$`, 'm'));
    });

    it('--wait still pending at --wait-timeout: exit 3 with the one --json document', async () => {
      f.authority.on('GET', '/v1/approvals/appr-1', { status: 200, body: { approval: approval('pending') } });
      const run = await f.run(['--json', 'keys', 'compromise', 'kid-1', '--reason', 'leak', '-j', J, '--wait', '--wait-timeout', '0.1']);
      expect(run.code).toBe(3);
      expect(JSON.parse(run.stdout)).toEqual({ approval: approval('pending') });
      expect(run.stderr).toMatch(/^revmesh: timed out waiting: approval appr-1 still pending after \d+ ms; check later with revmesh approvals show appr-1 \(code WAIT_TIMEOUT\)$/m);
    });
  });

  describe('revoke behind an approval', () => {
    const revocation = { id: 'rev-1', target: 'client_id', value: 'billing', reason: 'leak', published: true, published_at: 1_735_689_600_000 };

    beforeEach(() => {
      f.authority.on('POST', '/v1/revocations', {
        status: 202,
        body: { status: 'pending-approval', approval: approval('pending', { action: 'revocations.client_id', target: 'billing' }) },
      });
    });

    it('without --wait: exit 8 and the id', async () => {
      const run = await f.run(['revoke', 'client_id', 'billing', '--reason', 'leak', '-j', J]);
      expect(run.code).toBe(8);
      expect(run.stdout).toContain('Pending approval: revocations.client_id on billing');
    });

    it('--wait: waits for the approval, then for coverage of the revocation it created', async () => {
      f.authority.on('GET', '/v1/approvals/appr-1', { status: 200, body: { approval: approval('executed', { decidedBy: { username: 'bob' }, result: revocation }) } });
      f.authority.on('GET', '/v1/revocations/rev-1/coverage', {
        status: 200,
        body: { published_at: revocation.published_at, live_instances: 1, applied: [{ instance_id: 'api-1', applied_at: revocation.published_at + 5 }], pending: [], complete: true },
      });
      const run = await f.run(['--json', 'revoke', 'client_id', 'billing', '--reason', 'leak', '-j', J, '--wait']);

      expect(run.code).toBe(0);
      const document = JSON.parse(run.stdout) as Record<string, { state?: string; id?: string; complete?: boolean }>;
      expect(document['approval']?.state).toBe('executed');
      expect(document['revocation']?.id).toBe('rev-1');
      expect(document['coverage']?.complete).toBe(true);
    });
  });
});
