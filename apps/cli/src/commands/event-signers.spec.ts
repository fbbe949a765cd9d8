import { loggedInFixture, type LoggedInFixture } from '../testing/run-cli.spec-helper';

describe('revmesh event-signers rotate', () => {
  let f: LoggedInFixture;
  beforeEach(async () => (f = await loggedInFixture()));
  afterEach(() => f.close());

  it('POST /v1/event-signers/rotate {reason}', async () => {
    const body = { id: 'sig-rot-1', old_kid: 'sig-a', new_kid: 'sig-b', withdraw_after: Date.UTC(2025, 0, 2) };
    f.authority.on('POST', '/v1/event-signers/rotate', { status: 202, body });
    const run = await f.run(['event-signers', 'rotate', '--reason', 'yearly']);

    expect(run.code).toBe(0);
    expect(f.authority.requests[0]).toMatchObject({ method: 'POST', path: '/v1/event-signers/rotate', body: { reason: 'yearly' } });
    expect(run.stdout).toMatch(/^new kid +sig-b$/m);
    expect(run.stdout).toMatch(/^withdraw after +2025-01-02T00:00:00\.000Z$/m);

    const json = await f.run(['--json', 'event-signers', 'rotate', '--reason', 'yearly']);
    expect(JSON.parse(json.stdout)).toEqual(body);
  });

  it('requires a reason', async () => {
    const run = await f.run(['event-signers', 'rotate']);
    expect(run.code).toBe(2);
    expect(f.authority.requests).toHaveLength(0);
  });
});
