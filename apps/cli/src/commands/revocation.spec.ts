import { problem } from '../testing/fake-authority.spec-helper';
import { loggedInFixture, type LoggedInFixture } from '../testing/run-cli.spec-helper';

const ID = 'a1b2c3d4-0000-4000-8000-000000000001';
const PUBLISHED_AT = Date.UTC(2025, 0, 1);
const revocation = {
  id: ID,
  target: 'sub',
  value: 'alice',
  reason: 'laptop stolen',
  revoked_at: PUBLISHED_AT - 20,
  not_after_iat: Math.floor((PUBLISHED_AT - 20) / 1000),
  expires_at: PUBLISHED_AT + 300_000,
  published: true,
  published_at: PUBLISHED_AT,
};
const coverage = {
  revocation_id: ID,
  event_id: 'e1',
  published_at: PUBLISHED_AT,
  live_instances: 3,
  applied: [{ instance_id: 'orders-1', applied_at: PUBLISHED_AT + 7 }],
  covered_at_start: [{ instance_id: 'orders-2', started_at: PUBLISHED_AT + 60_000 }],
  pending: ['orders-3'],
  complete: false,
};

describe('revmesh revocation status', () => {
  let f: LoggedInFixture;
  beforeEach(async () => {
    f = await loggedInFixture();
    f.authority.on('GET', `/v1/revocations/${ID}`, { status: 200, body: revocation });
  });
  afterEach(() => f.close());

  it('shows the revocation, that it is published, and coverage per instance', async () => {
    f.authority.on('GET', `/v1/revocations/${ID}/coverage`, { status: 200, body: coverage });
    const run = await f.run(['revocation', 'status', ID]);

    expect(run.code).toBe(0);
    expect(f.authority.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`GET /v1/revocations/${ID}`, `GET /v1/revocations/${ID}/coverage`]);
    expect(run.stdout).toMatch(/^published +yes$/m);
    expect(run.stdout).toMatch(/^published at +2025-01-01T00:00:00\.000Z$/m);
    expect(run.stdout).toMatch(/^denies iat <= +2024-12-31T23:59:59\.000Z$/m);
    expect(run.stdout).toContain('coverage: incomplete, 2 of 3 live instances (1 applied, 1 covered at start, 1 pending)');
    expect(run.stdout).toMatch(/^orders-1 +applied +2025-01-01T00:00:00\.007Z +7 ms$/m);
    expect(run.stdout).toMatch(/^orders-3 +pending +- +-$/m);
  });

  it('--json prints {revocation, coverage} as one document', async () => {
    f.authority.on('GET', `/v1/revocations/${ID}/coverage`, { status: 200, body: coverage });
    const run = await f.run(['revocation', 'status', ID, '--json']);
    expect(JSON.parse(run.stdout)).toEqual({ revocation, coverage });
  });

  it('still shows the revocation when the authority reports no coverage', async () => {
    const run = await f.run(['--json', 'revocation', 'status', ID]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ revocation, coverage: null });

    const human = await f.run(['revocation', 'status', ID]);
    expect(human.stdout).toContain('coverage: not reported by the authority');
  });

  it('says clearly when the revocation does not exist (exit 5)', async () => {
    f.authority.on('GET', '/v1/revocations/nope', problem(404, 'NOT_FOUND', 'Not found', 'no revocation with id "nope"'));
    const run = await f.run(['revocation', 'status', 'nope']);

    expect(run.code).toBe(5);
    expect(run.stderr).toBe('revmesh: Not found: no revocation with id "nope" (code NOT_FOUND)\n');
    expect(run.stdout).toBe('');
  });

  it('encodes the id into the path', async () => {
    await f.run(['revocation', 'status', '../keys']);
    expect(f.authority.requests[0]!.path).toBe('/v1/revocations/..%2Fkeys');
  });

  it('neutralises terminal control characters coming from the authority', async () => {
    f.authority.on('GET', `/v1/revocations/${ID}`, { status: 200, body: { ...revocation, reason: 'ok\u001b[2J\u001b]0;pwned\u0007' } });
    const run = await f.run(['revocation', 'status', ID]);
    expect(run.stdout).toMatch(/^reason +ok\?\[2J\?\]0;pwned\?$/m);
  });
});
