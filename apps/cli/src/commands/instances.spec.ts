import { loggedInFixture, type LoggedInFixture } from '../testing/run-cli.spec-helper';

describe('revmesh instances list', () => {
  let f: LoggedInFixture;
  beforeEach(async () => (f = await loggedInFixture()));
  afterEach(() => f.close());

  const body = {
    instances: [
      { instance_id: 'orders-1', live: true, ready: true, audiences: ['orders', 'billing'], key_set_version: 4, started_at: Date.UTC(2025, 0, 1), last_seen_at: Date.UTC(2025, 0, 1, 1) },
      { instance_id: 'orders-2', live: false, ready: false, audiences: [], key_set_version: 3, started_at: Date.UTC(2025, 0, 1), last_seen_at: Date.UTC(2025, 0, 1, 0, 30) },
    ],
  };

  it('GET /v1/instances as a table', async () => {
    f.authority.on('GET', '/v1/instances', { status: 200, body });
    const run = await f.run(['instances', 'list']);

    expect(run.code).toBe(0);
    expect(f.authority.requests[0]).toMatchObject({ method: 'GET', path: '/v1/instances' });
    expect(run.stdout).toMatch(/^INSTANCE +LIVE +READY +AUDIENCES +KEY SET +STARTED +LAST SEEN$/m);
    expect(run.stdout).toMatch(/^orders-1 +yes +yes +orders, billing +4 +2025-01-01T00:00:00\.000Z +2025-01-01T01:00:00\.000Z$/m);
    expect(run.stdout).toMatch(/^orders-2 +no +no +- +3 /m);
  });

  it("shows the staleness instances report: stale, the default policy, tokens accepted fail-open", async () => {
    const [first, second] = body.instances;
    const reported = { instances: [{ ...first, staleness: { stale: true, policy: 'fail-open-UNSAFE', fail_open_accepted: 7 } }, { ...second, staleness: null }] };
    f.authority.on('GET', '/v1/instances', { status: 200, body: reported });
    const run = await f.run(['instances', 'list']);
    expect(run.stdout).toMatch(/^INSTANCE +LIVE +READY +AUDIENCES +KEY SET +STARTED +LAST SEEN +STALE +STALE POLICY +FAIL-OPEN ACCEPTED$/m);
    expect(run.stdout).toMatch(/^orders-1 +yes .* +yes +fail-open-UNSAFE +7$/m);
    expect(run.stdout).toMatch(/^orders-2 +no .*2025-01-01T00:30:00\.000Z +- +- +-$/m);
  });

  it('says so when no instance reported', async () => {
    f.authority.on('GET', '/v1/instances', { status: 200, body: { instances: [] } });
    const run = await f.run(['instances', 'list']);
    expect(run.stdout).toBe('No sidecar instance has reported.\n');
  });

  it('falls back to every scalar member for an unknown record shape', async () => {
    f.authority.on('GET', '/v1/instances', { status: 200, body: [{ name: 'x', heartbeat: 12 }] });
    const run = await f.run(['instances', 'list']);
    expect(run.stdout).toBe('NAME  HEARTBEAT\nx     12\n');
  });

  it('refuses an answer that is not a list (exit 1)', async () => {
    f.authority.on('GET', '/v1/instances', { status: 200, body: { count: 2 } });
    const run = await f.run(['instances', 'list']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('did not answer with a list (expected an array or "instances") (code UNEXPECTED_RESPONSE)');
  });
});
