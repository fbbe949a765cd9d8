import { loggedInFixture, type LoggedInFixture } from '../testing/run-cli.spec-helper';

/** The justification every write in this file gives. */
const J = 'INC-1: leaked token, see the ticket';

describe('revmesh event-signers rotate', () => {
  let f: LoggedInFixture;
  beforeEach(async () => (f = await loggedInFixture()));
  afterEach(() => f.close());

  it('POST /v1/event-signers/rotate {reason}', async () => {
    const body = { id: 'sig-rot-1', old_kid: 'sig-a', new_kid: 'sig-b', withdraw_after: Date.UTC(2025, 0, 2) };
    f.authority.on('POST', '/v1/event-signers/rotate', { status: 202, body });
    const run = await f.run(['event-signers', 'rotate', '--reason', 'yearly', '-j', J]);

    expect(run.code).toBe(0);
    expect(f.authority.requests[0]).toMatchObject({ method: 'POST', path: '/v1/event-signers/rotate', body: { reason: 'yearly', justification: J } });
    expect(run.stdout).toMatch(/^new kid +sig-b$/m);
    expect(run.stdout).toMatch(/^withdraw after +2025-01-02T00:00:00\.000Z$/m);

    const json = await f.run(['--json', 'event-signers', 'rotate', '--reason', 'yearly', '-j', J]);
    expect(JSON.parse(json.stdout)).toEqual(body);
  });

  it.each([
    [['event-signers', 'rotate', '-j', J], /--reason/],
    [['event-signers', 'rotate', '--reason', 'yearly'], /a justification is required: pass -j "<why>" \(or set REVMESH_JUSTIFICATION\)/],
    [['event-signers', 'rotate', '--reason', 'yearly', '-j', '   '], /a justification is required/],
  ])('%j is a usage error and sends nothing', async (argv, message) => {
    const run = await f.run(argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(f.authority.requests).toHaveLength(0);
  });
});
