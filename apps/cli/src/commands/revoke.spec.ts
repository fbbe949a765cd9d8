import { problem, type FakeReply } from '../testing/fake-authority.spec-helper';
import { loggedInFixture, TEST_OPERATOR, type LoggedInFixture } from '../testing/run-cli.spec-helper';

/** The justification every write in this file gives. */
const J = 'INC-1: leaked token, see the ticket';

const ID = '0f9a4a52-7c2b-4d61-8d4e-3c1f7a2b9e10';
const PUBLISHED_AT = 1_735_689_600_000;
const created = {
  id: ID,
  target: 'jti',
  value: 'tok-1',
  reason: 'leaked in a ticket',
  revoked_at: PUBLISHED_AT - 5,
  not_after_iat: Math.floor((PUBLISHED_AT - 5) / 1000),
  expires_at: PUBLISHED_AT + 300_000,
  published: false,
  published_at: null,
  some_future_field: 'kept',
};

function coverage(applied: string[], pending: string[], complete = pending.length === 0): FakeReply {
  return {
    status: 200,
    body: {
      revocation_id: ID,
      event_id: '5d0c0d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e',
      published_at: PUBLISHED_AT,
      live_instances: applied.length + pending.length + 1,
      applied: applied.map((instance_id, i) => ({ instance_id, applied_at: PUBLISHED_AT + 10 * (i + 1) })),
      covered_at_start: [{ instance_id: 'api-late', started_at: PUBLISHED_AT + 1000 }],
      pending: pending.map((instance_id) => ({ instance_id })),
      complete,
    },
  };
}

describe('revmesh revoke', () => {
  let f: LoggedInFixture;
  beforeEach(async () => {
    f = await loggedInFixture();
    f.authority.on('POST', '/v1/revocations', { status: 202, body: created, headers: { location: `/v1/revocations/${ID}` } });
  });
  afterEach(() => f.close());

  it('--iss names the trusted external issuer whose tokens are targeted', async () => {
    const run = await f.run(['revoke', 'sub', 'alice', '--iss', 'https://sso.example.com/realms/acme', '--reason', 'takeover', '-j', J]);
    expect(run.code).toBe(0);
    expect(f.authority.requests[0]!.body).toEqual({ target: 'sub', value: 'alice', iss: 'https://sso.example.com/realms/acme', reason: 'takeover', justification: J });
  });

  it('an issuer the authority does not trust is refused with the field named (exit 1)', async () => {
    f.authority.on(
      'POST',
      '/v1/revocations',
      problem(422, 'ISSUER_NOT_TRUSTED', 'The issuer is not a registered, enabled trusted issuer', 'issuer "https://x.test" is not a registered trusted issuer; register it first (POST /v1/issuers)', [
        { field: 'iss', message: 'register it first (POST /v1/issuers)' },
      ]),
    );
    const run = await f.run(['revoke', 'sub', 'alice', '--iss', 'https://x.test', '--reason', 'takeover', '-j', J]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('(code ISSUER_NOT_TRUSTED)');
    expect(run.stderr).toContain('iss');
  });

  it('POSTs the target, value, reason and justification with the operator token and prints the revocation', async () => {
    const run = await f.run(['revoke', 'jti', 'tok-1', '--reason', '  leaked in a ticket ', '-j', J]);

    expect(run.code).toBe(0);
    expect(f.authority.requests).toHaveLength(1);
    const [request] = f.authority.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/v1/revocations', body: { target: 'jti', value: 'tok-1', reason: 'leaked in a ticket', justification: J } });
    expect(request!.headers.authorization).toBe(`Bearer ${TEST_OPERATOR.token}`);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(run.stdout).toMatch(new RegExp(`^id +${ID}$`, 'm'));
    expect(run.stdout).toMatch(/^published +no$/m);
    expect(run.stdout).toMatch(/^some future field +kept$/m);
    expect(run.stdout).toContain(`revmesh revocation status ${ID}`);
    expect(run.stdout + run.stderr).not.toContain(TEST_OPERATOR.token);
  });

  it.each(['sub', 'client_id', 'sid'])('accepts target %s', async (target) => {
    const run = await f.run(['revoke', target, 'v', '--reason', 'r', '-j', J]);
    expect(run.code).toBe(0);
    expect(f.authority.requests[0]!.body).toEqual({ target, value: 'v', reason: 'r', justification: J });
  });

  it('--json prints exactly the API body', async () => {
    const run = await f.run(['revoke', 'jti', 'tok-1', '--reason', 'r', '-j', J, '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(created);
    expect(run.stderr).toBe('');
  });

  it('renders a problem answer as one line with its field errors (exit 1)', async () => {
    f.authority.on(
      'POST',
      '/v1/revocations',
      problem(400, 'INVALID_REQUEST', 'The request is invalid', 'invalid value, reason', [
        { field: 'value', message: 'must be at most 512 characters' },
        { field: 'reason', message: 'must not be empty' },
      ]),
    );
    const run = await f.run(['revoke', 'sub', 'x'.repeat(600), '--reason', 'r', '-j', J]);

    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'revmesh: The request is invalid: invalid value, reason (code INVALID_REQUEST)\n' +
        '  value: must be at most 512 characters\n' +
        '  reason: must not be empty\n',
    );
    expect(run.stdout).toBe('');
  });

  it('--json puts the problem in the one document and the line on stderr', async () => {
    f.authority.on('POST', '/v1/revocations', problem(400, 'INVALID_REQUEST', 'The request is invalid', 'invalid value', [{ field: 'value', message: 'bad' }]));
    const run = await f.run(['--json', 'revoke', 'sub', 'x', '--reason', 'r', '-j', J]);

    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({
      error: {
        code: 'INVALID_REQUEST',
        title: 'The request is invalid',
        detail: 'invalid value',
        exit_code: 1,
        status: 400,
        request_id: f.authority.requests[0]!.headers['x-request-id'],
        errors: [{ field: 'value', message: 'bad' }],
      },
    });
    expect(run.stderr).toContain('revmesh: The request is invalid: invalid value (code INVALID_REQUEST)');
  });

  it('maps 401 to exit 4 with a hint to log in again', async () => {
    f.authority.on('POST', '/v1/revocations', problem(401, 'UNAUTHORIZED', 'Authentication required', 'the admin key is not valid'));
    const run = await f.run(['revoke', 'sub', 'alice', '--reason', 'r', '-j', J]);
    expect(run.code).toBe(4);
    expect(run.stderr).toBe(
      'revmesh: Authentication required: the admin key is not valid (code UNAUTHORIZED)\n' +
        'hint: the authority refused the stored session: log in again (revmesh login)\n',
    );
  });

  it('maps a 500 without a problem body to exit 1', async () => {
    f.authority.on('POST', '/v1/revocations', { status: 502, body: 'Bad Gateway', contentType: 'text/plain' });
    const run = await f.run(['revoke', 'sub', 'alice', '--reason', 'r', '-j', J]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/answered 502 without a problem body \(code HTTP_502\)/);
  });

  it('does not follow a redirect with the credential', async () => {
    f.authority.on('POST', '/v1/revocations', { status: 307, headers: { location: 'https://elsewhere.example/v1/revocations' } });
    const run = await f.run(['revoke', 'sub', 'alice', '--reason', 'r', '-j', J]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('redirected (307) to https://elsewhere.example/v1/revocations');
  });

  describe('--wait', () => {
    it('polls coverage, shows progress on stderr only, and exits 0 once complete', async () => {
      const answers = [coverage([], ['api-1', 'api-2']), coverage(['api-1'], ['api-2']), coverage(['api-1', 'api-2'], [])];
      f.authority.on('GET', `/v1/revocations/${ID}/coverage`, () => answers.shift() ?? coverage(['api-1', 'api-2'], []));

      const run = await f.run(['--json', 'revoke', 'jti', 'tok-1', '--reason', 'r', '-j', J, '--wait']);

      expect(run.code).toBe(0);
      const document = JSON.parse(run.stdout) as { revocation: unknown; coverage: { complete: boolean } };
      expect(document.revocation).toEqual(created);
      expect(document.coverage.complete).toBe(true);
      expect(run.stderr).toContain('coverage: 1 of 3 live instances (0 applied, 1 covered at start, 2 pending); waiting for api-1, api-2\n');
      expect(run.stderr).toContain('coverage: 2 of 3 live instances (1 applied, 1 covered at start, 1 pending); waiting for api-2\n');
      expect(run.stderr).toMatch(/Enforced by every live instance .* after the request\.\n$/);
      const polls = f.authority.requests.filter((r) => r.path === `/v1/revocations/${ID}/coverage`);
      expect(polls).toHaveLength(3);
      expect(polls.every((r) => r.method === 'GET' && r.headers.authorization === `Bearer ${TEST_OPERATOR.token}`)).toBe(true);
    });

    it('prints coverage per instance for people', async () => {
      f.authority.on('GET', `/v1/revocations/${ID}/coverage`, coverage(['api-1', 'api-2'], []));
      const run = await f.run(['revoke', 'jti', 'tok-1', '--reason', 'r', '-j', J, '--wait']);

      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^published +yes$/m);
      expect(run.stdout).toMatch(/^published at +2025-01-01T00:00:00\.000Z$/m);
      expect(run.stdout).toContain('coverage: complete, 3 of 3 live instances (2 applied, 1 covered at start, 0 pending)\n');
      expect(run.stdout).toMatch(/^INSTANCE +STATUS +AT +AFTER PUBLISH$/m);
      expect(run.stdout).toMatch(/^api-1 +applied +2025-01-01T00:00:00\.010Z +10 ms$/m);
      expect(run.stdout).toMatch(/^api-late +covered at start +2025-01-01T00:00:01\.000Z +-$/m);
    });

    it('redraws one progress line on a terminal', async () => {
      const answers = [coverage([], ['api-1']), coverage([], ['api-1']), coverage(['api-1'], [])];
      f.authority.on('GET', `/v1/revocations/${ID}/coverage`, () => answers.shift()!);
      const run = await f.run(['--json', 'revoke', 'jti', 'tok-1', '--reason', 'r', '-j', J, '--wait'], { stderrIsTTY: true });

      expect(run.code).toBe(0);
      const redraw = '\r\u001b[2K';
      expect(run.stderr.split(redraw).filter((part) => /^[|/\\-] coverage: /.test(part))).toHaveLength(2);
      expect(JSON.parse(run.stdout)).toHaveProperty('coverage.complete', true);
    });

    it('exits 3 on timeout, still printing the one document with the last coverage', async () => {
      f.authority.on('GET', `/v1/revocations/${ID}/coverage`, coverage(['api-1'], ['api-stuck']));
      const run = await f.run(['--json', 'revoke', 'jti', 'tok-1', '--reason', 'r', '-j', J, '--wait', '--wait-timeout', '0.2']);

      expect(run.code).toBe(3);
      const document = JSON.parse(run.stdout) as { coverage: { complete: boolean; pending: unknown[] } };
      expect(document.coverage).toMatchObject({ complete: false, pending: [{ instance_id: 'api-stuck' }] });
      expect(run.stderr).toMatch(
        new RegExp(`^revmesh: timed out waiting: revocation ${ID} not enforced everywhere after 200 ms: 2 of 3 live instances \\(1 applied, 1 covered at start, 1 pending\\) \\(code WAIT_TIMEOUT\\)$`, 'm'),
      );
    });

    it('waits for publication while coverage is 404, then fails if a published revocation still has none', async () => {
      let published = false;
      f.authority.on('GET', `/v1/revocations/${ID}`, () => {
        const body = { ...created, published, published_at: published ? PUBLISHED_AT : null };
        published = true;
        return { status: 200, body };
      });
      const run = await f.run(['revoke', 'jti', 'tok-1', '--reason', 'r', '-j', J, '--wait']);

      expect(run.code).toBe(1);
      expect(run.stderr).toContain('waiting for the authority to publish the revocation\n');
      expect(run.stderr).toMatch(/^revmesh: coverage is not available: .*this authority does not report coverage.* \(code COVERAGE_UNSUPPORTED\)$/m);
    });

    it('is not treated as complete when the coverage answer is malformed', async () => {
      f.authority.on('GET', `/v1/revocations/${ID}/coverage`, { status: 200, body: { applied: [] } });
      const run = await f.run(['revoke', 'jti', 'tok-1', '--reason', 'r', '-j', J, '--wait']);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('did not answer with coverage (no boolean "complete")');
    });
  });
});

describe('revmesh revoke --from-file', () => {
  let f: LoggedInFixture;
  beforeEach(async () => {
    f = await loggedInFixture();
  });
  afterEach(() => f.close());

  /** Answers a batch with one id per target: `id-<batch>-<index>`. */
  const acceptBatches = () => {
    let batches = 0;
    f.authority.on('POST', '/v1/revocations:batch', (request) => {
      const n = ++batches;
      const targets = (request.body as { targets: { target: string; value: string }[] }).targets;
      return {
        status: 202,
        body: { batch_id: `batch-${n}`, count: targets.length, revocations: targets.map((t, i) => ({ id: `id-${n}-${i}`, target: t.target, value: t.value, iss: null })) },
      };
    });
  };

  it('sends a JSON-lines list from stdin as one batch and prints one id line per revocation', async () => {
    acceptBatches();
    const stdin = '{"target":"jti","value":"t1"}\n{"target":"sid","value":"s1","iss":"https://sso.test"}\n';
    const run = await f.run(['revoke', '--from-file', '-', '--reason', 'dump', '-j', J], { stdin });
    expect(run.code).toBe(0);
    expect(f.authority.requests).toHaveLength(1);
    expect(f.authority.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v1/revocations:batch',
      body: { targets: [{ target: 'jti', value: 't1' }, { target: 'sid', value: 's1', iss: 'https://sso.test' }], reason: 'dump', justification: J },
    });
    expect(run.stdout).toBe('id-1-0\tjti\tt1\nid-1-1\tsid\ts1\n');
    expect(run.stderr).toContain('2 revocation(s) stored in 1 batch(es)');
  });

  it('gives a batch request far longer than the per-request timeout (a batch takes seconds to sign and store)', async () => {
    f.authority.on('POST', '/v1/revocations:batch', async (request) => {
      // Longer than --timeout: the batch client must still wait for the answer.
      await new Promise((resolve) => setTimeout(resolve, 400));
      const targets = (request.body as { targets: { target: string; value: string }[] }).targets;
      return { status: 202, body: { batch_id: 'b', count: targets.length, revocations: targets.map((t, i) => ({ id: `id-${i}`, target: t.target, value: t.value })) } };
    });
    const run = await f.run(['--timeout', '100', 'revoke', '--from-file', '-', '--reason', 'dump', '-j', J], { stdin: 'jti,a\n' });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('id-0\tjti\ta\n');
  });

  it('refuses a bad line before sending anything', async () => {
    acceptBatches();
    const run = await f.run(['revoke', '--from-file', '-', '--format', 'csv', '--reason', 'dump', '-j', J], { stdin: 'jti,a\nkid,b\n' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('line 2: target must be one of');
    expect(f.authority.requests).toHaveLength(0);
  });

  it('names the file lines of targets the authority refuses, and says nothing was revoked', async () => {
    f.authority.on(
      'POST',
      '/v1/revocations:batch',
      problem(422, 'BATCH_INVALID', 'Targets of the batch are refused; nothing was stored', '1 target(s) of the batch refused', [
        { field: 'targets[1].iss', message: 'issuer "https://x.test" is not a registered trusted issuer' },
      ]),
    );
    const run = await f.run(['revoke', '--from-file', '-', '--reason', 'dump', '-j', J], { stdin: 'target,value,iss\njti,a\njti,b,https://x.test\n' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('(code BATCH_INVALID)');
    expect(run.stderr).toContain('stdin line 3: targets[1].iss');
    expect(run.stderr).toContain('Nothing was revoked.');
  });

  it('needs either positional arguments or --from-file, not both, and no --wait with a file', async () => {
    expect((await f.run(['revoke', 'jti', 'a', '--from-file', '-', '--reason', 'r', '-j', J])).code).toBe(2);
    expect((await f.run(['revoke', '--from-file', '-', '--wait', '--reason', 'r', '-j', J], { stdin: 'jti,a\n' })).code).toBe(2);
    expect((await f.run(['revoke', 'jti', '--reason', 'r', '-j', J])).code).toBe(2);
    expect(f.authority.requests).toHaveLength(0);
  });
});
