import { loggedInFixture, type LoggedInFixture } from '../testing/run-cli.spec-helper';

const J = 'INC-77: 200 new pods after the incident';

describe('revmesh snapshots', () => {
  let f: LoggedInFixture;
  beforeEach(async () => (f = await loggedInFixture()));
  afterEach(() => f.close());

  it('publish: POST /v1/snapshots {reason, justification}, and shows the snapshot', async () => {
    const body = { seq: 1_800_000_000_000, rules: 1200, bytes: 49_212, chunks: 1, offsets: { revocations: { '0': '12' }, keys: { '0': '3' } }, created_at: 1_800_000_000_000, duration_ms: 12 };
    f.authority.on('POST', '/v1/snapshots', { status: 201, body });
    const run = await f.run(['snapshots', 'publish', '--reason', 'before scaling out', '-j', J]);
    expect(run.code).toBe(0);
    expect(f.authority.requests[0]).toMatchObject({ method: 'POST', path: '/v1/snapshots', body: { reason: 'before scaling out', justification: J } });
    expect(run.stdout).toMatch(/^rules +1200$/m);
    const json = await f.run(['--json', 'snapshots', 'publish', '--reason', 'again', '-j', J]);
    expect(JSON.parse(json.stdout)).toEqual(body);
  });

  it('publish without a justification is a usage error and sends nothing', async () => {
    const run = await f.run(['snapshots', 'publish', '--reason', 'x']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/a justification is required/);
    expect(f.authority.requests).toEqual([]);
  });

  it('latest: GET /v1/snapshots/latest', async () => {
    f.authority.on('GET', '/v1/snapshots/latest', { status: 200, body: { seq: 5, rules: 2 } });
    const run = await f.run(['snapshots', 'latest']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^seq +5$/m);
  });
});
