import { problem } from '../testing/fake-authority.spec-helper';
import { loggedInFixture, type LoggedInFixture } from '../testing/run-cli.spec-helper';

describe('revmesh rotation status', () => {
  let f: LoggedInFixture;
  beforeEach(async () => (f = await loggedInFixture()));
  afterEach(() => f.close());

  const record = {
    id: 'rot-7',
    kind: 'scheduled',
    state: 'completed',
    started_at: Date.UTC(2025, 0, 1),
    acknowledged_by: [{ instance_id: 'a-1', at: Date.UTC(2025, 0, 1, 0, 0, 1) }],
    never_confirmed: ['a-2'],
  };

  it('GET /v1/rotations/:id, every member shown', async () => {
    f.authority.on('GET', '/v1/rotations/rot-7', { status: 200, body: record });
    const run = await f.run(['rotation', 'status', 'rot-7']);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^state +completed$/m);
    expect(run.stdout).toMatch(/^never confirmed +a-2$/m);
    expect(run.stdout).toMatch(/^a-1 +2025-01-01T00:00:01\.000Z$/m);
  });

  it('--json: the body as sent', async () => {
    f.authority.on('GET', '/v1/rotations/rot-7', { status: 200, body: record });
    const run = await f.run(['--json', 'rotation', 'status', 'rot-7']);
    expect(JSON.parse(run.stdout)).toEqual(record);
  });

  it('unknown rotation: exit 5', async () => {
    f.authority.on('GET', '/v1/rotations/nope', problem(404, 'NOT_FOUND', 'Not found', 'no rotation with id "nope"'));
    const run = await f.run(['rotation', 'status', 'nope']);
    expect(run.code).toBe(5);
    expect(run.stderr).toBe('revmesh: Not found: no rotation with id "nope" (code NOT_FOUND)\n');
  });
});
