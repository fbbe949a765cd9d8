import { problem } from '../testing/fake-authority.spec-helper';
import { loggedInFixture, TEST_OPERATOR, type LoggedInFixture } from '../testing/run-cli.spec-helper';

/** The justification every write in this file gives. */
const J = 'INC-1: leaked token, see the ticket';

const T = Date.UTC(2025, 5, 1);
const keys = {
  keys: [
    { kid: 'kid-active', state: 'active', alg: 'EdDSA', created_at: T, activated_at: T + 1000, retire_after: null, extra: { nested: true } },
    { kid: 'kid-standby', state: 'pending', public_jwk: { kty: 'OKP', crv: 'Ed25519', x: 'abc', kid: 'kid-standby', alg: 'EdDSA' }, created_at: T + 2000 },
  ],
  key_set_version: 7,
};
const rotation = {
  id: 'rot-1',
  kind: 'emergency',
  reason: 'leaked',
  old_kid: 'kid-active',
  new_kid: 'kid-standby',
  started_at: T,
  completed_at: T + 420,
  steps: [
    { step: 'standby promoted', at: T + 10 },
    { step: 'old key revoked', at: T + 20 },
  ],
  unconfirmed_instances: ['orders-9'],
};

describe('revmesh keys', () => {
  let f: LoggedInFixture;
  beforeEach(async () => (f = await loggedInFixture()));
  afterEach(() => f.close());

  it('list: GET /v1/keys as an aligned table, tolerating shapes and extra fields', async () => {
    f.authority.on('GET', '/v1/keys', { status: 200, body: keys });
    const run = await f.run(['keys', 'list']);

    expect(run.code).toBe(0);
    expect(f.authority.requests[0]).toMatchObject({ method: 'GET', path: '/v1/keys' });
    expect(f.authority.requests[0]!.headers.authorization).toBe(`Bearer ${TEST_OPERATOR.token}`);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^KID +STATE +ALG +CREATED +ACTIVATED +RETIRE AFTER$/);
    expect(lines[1]).toMatch(/^kid-active +active +EdDSA +2025-06-01T00:00:00\.000Z +2025-06-01T00:00:01\.000Z +-$/);
    expect(lines[2]).toMatch(/^kid-standby +pending +EdDSA +2025-06-01T00:00:02\.000Z +- +-$/);
    // Aligned: every column starts at the same offset on every line.
    expect(new Set(lines.map((l) => l.indexOf('2025') === -1 ? l.indexOf('CREATED') : l.indexOf('2025')))).toEqual(new Set([lines[0]!.indexOf('CREATED')]));
    expect(lines.every((l) => l === l.trimEnd())).toBe(true);
  });

  it('list --json: the body as sent', async () => {
    f.authority.on('GET', '/v1/keys', { status: 200, body: keys });
    const run = await f.run(['keys', 'list', '--json']);
    expect(JSON.parse(run.stdout)).toEqual(keys);
  });

  it('list accepts a bare array too', async () => {
    f.authority.on('GET', '/v1/keys', { status: 200, body: keys.keys });
    const run = await f.run(['keys', 'list']);
    expect(run.stdout).toContain('kid-standby');
  });

  it('calendar: GET /v1/keys/calendar as a table', async () => {
    f.authority.on('GET', '/v1/keys/calendar', {
      status: 200,
      body: { entries: [{ at: T, action: 'rotate', kid: 'kid-standby' }, { at: T + 86_400_000, action: 'retire', kid: 'kid-active' }] },
    });
    const run = await f.run(['keys', 'calendar']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^WHEN +ACTION +KID$/m);
    expect(run.stdout).toMatch(/^2025-06-02T00:00:00\.000Z +retire +kid-active$/m);
  });

  it('calendar: an unknown shape is still shown in full', async () => {
    f.authority.on('GET', '/v1/keys/calendar', {
      status: 200,
      body: { next_rotation_at: T, rotations: [{ kid: 'k1', at: T }], retirements: [{ kid: 'k0', at: T + 1 }] },
    });
    const run = await f.run(['keys', 'calendar']);
    expect(run.stdout).toMatch(/^next rotation at +2025-06-01T00:00:00\.000Z$/m);
    expect(run.stdout).toContain('rotations (1):');
    expect(run.stdout).toContain('retirements (1):');
  });

  it('calendar: the active/standby summary with upcoming retirements', async () => {
    f.authority.on('GET', '/v1/keys/calendar', {
      status: 200,
      body: { active_kid: 'k2', standby_kid: 'k3', next_rotation_at: T, upcoming_retirements: [{ kid: 'k1', retire_after: T + 600_000 }] },
    });
    const run = await f.run(['keys', 'calendar']);
    expect(run.stdout).toBe(
      'active kid        k2\n' +
        'standby kid       k3\n' +
        'next rotation at  2025-06-01T00:00:00.000Z\n' +
        '\nupcoming retirements (1):\n' +
        'KID  RETIRE AFTER\n' +
        'k1   2025-06-01T00:10:00.000Z\n',
    );
  });

  it('a rotation record shows nested members and the instances that never confirmed', async () => {
    f.authority.on('POST', '/v1/keys/rotate', {
      status: 200,
      body: {
        id: 'rot-9',
        kind: 'manual',
        status: 'completed',
        from_kid: 'k1',
        to_kid: 'k2',
        actor: { kind: 'operator', id: 'alice' },
        requested_at: T,
        gate_outcome: 'timed_out',
        unconfirmed_instances: ['orders-4', 'orders-5'],
        completed_at: T + 5000,
      },
    });
    const run = await f.run(['keys', 'rotate', '--reason', 'x', '-j', J]);
    expect(run.stdout).toMatch(/^status +completed$/m);
    expect(run.stdout).toMatch(/^gate outcome +timed_out$/m);
    expect(run.stdout).toMatch(/^unconfirmed instances +orders-4, orders-5$/m);
    expect(run.stdout).toMatch(/^actor kind +operator$/m);
  });

  it('rotate: POST /v1/keys/rotate {reason}, prints the rotation record', async () => {
    f.authority.on('POST', '/v1/keys/rotate', { status: 202, body: { ...rotation, kind: 'manual' } });
    const run = await f.run(['keys', 'rotate', '--reason', 'quarterly', '-j', J]);

    expect(run.code).toBe(0);
    expect(f.authority.requests[0]).toMatchObject({ method: 'POST', path: '/v1/keys/rotate', body: { reason: 'quarterly', justification: J } });
    expect(run.stdout).toMatch(/^id +rot-1$/m);
    expect(run.stdout).toMatch(/^kind +manual$/m);
  });

  it('compromise: POST /v1/keys/:kid/compromise {reason}, with the steps and unconfirmed instances', async () => {
    f.authority.on('POST', '/v1/keys/kid%2Fwith%20slash/compromise', { status: 200, body: rotation });
    const run = await f.run(['keys', 'compromise', 'kid/with slash', '--reason', 'found in a repo', '-j', J]);

    expect(run.code).toBe(0);
    expect(f.authority.requests[0]).toMatchObject({ method: 'POST', body: { reason: 'found in a repo', justification: J } });
    expect(run.stdout).toMatch(/^completed at +2025-06-01T00:00:00\.420Z$/m);
    expect(run.stdout).toContain('steps (2):\nSTEP              AT\nstandby promoted  2025-06-01T00:00:00.010Z\n');
    expect(run.stdout).toMatch(/^unconfirmed instances +orders-9$/m);
  });

  it('compromise: a refused transition names the current state (exit 1)', async () => {
    f.authority.on('POST', '/v1/keys/kid-old/compromise', problem(409, 'CONFLICT', 'Conflict', 'key kid-old is retired; it cannot be compromised'));
    const run = await f.run(['keys', 'compromise', 'kid-old', '--reason', 'x', '-j', J]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('revmesh: Conflict: key kid-old is retired; it cannot be compromised (code CONFLICT)\n');
  });

  it('rollback: POST /v1/rotations/:id/rollback {reason}; the new key stays retired by default', async () => {
    f.authority.on('POST', '/v1/rotations/rot-1/rollback', { status: 200, body: { ...rotation, id: 'rot-2', kind: 'rollback' } });
    const run = await f.run(['keys', 'rollback', 'rot-1', '--reason', 'legacy verifier', '-j', J]);
    expect(run.code).toBe(0);
    expect(f.authority.requests[0]!.body).toEqual({ reason: 'legacy verifier', justification: J });
  });

  it('rollback --revoke-new-key asks for new_key_state "revoked"', async () => {
    f.authority.on('POST', '/v1/rotations/rot-1/rollback', { status: 200, body: rotation });
    await f.run(['keys', 'rollback', 'rot-1', '--reason', 'bad host', '-j', J, '--revoke-new-key']);
    expect(f.authority.requests[0]!.body).toEqual({ reason: 'bad host', new_key_state: 'revoked', justification: J });
  });

  it('rollback onto a revoked key: the authority refusal is shown (exit 1)', async () => {
    f.authority.on(
      'POST',
      '/v1/rotations/rot-1/rollback',
      problem(409, 'CONFLICT', 'Conflict', 'the previous key kid-active is revoked; rolling back onto it is refused'),
    );
    const run = await f.run(['keys', 'rollback', 'rot-1', '--reason', 'x', '-j', J]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('rolling back onto it is refused (code CONFLICT)');
  });

  it.each([
    [['keys', 'rotate']],
    [['keys', 'compromise', 'kid-1']],
    [['keys', 'rollback', 'rot-1']],
    [['keys', 'compromise', '--reason', 'x', '-j', J]],
    [['keys', 'compromise', 'kid-1', '--reason', 'x']],
    [['keys', 'rotate', '--reason', 'x', '--wait-timeout', '5', '-j', J]],
  ])('%j is a usage error and sends nothing', async (argv) => {
    const run = await f.run(argv);
    expect(run.code).toBe(2);
    expect(f.authority.requests).toHaveLength(0);
  });
});
