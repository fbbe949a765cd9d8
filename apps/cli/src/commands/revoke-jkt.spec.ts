import { loggedInFixture, type LoggedInFixture } from '../testing/run-cli.spec-helper';

const J = 'INC-7: client key stolen from a CI runner';
const JKT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';

describe('revmesh revoke --jkt', () => {
  let f: LoggedInFixture;
  beforeEach(async () => {
    f = await loggedInFixture();
    f.authority.on('POST', '/v1/revocations', {
      status: 202,
      body: { id: 'r-1', target: 'jkt', value: JKT, reason: 'stolen key', revoked_at: 1, not_after_iat: 0, expires_at: 2, published: false, published_at: null },
      headers: { location: '/v1/revocations/r-1' },
    });
  });
  afterEach(() => f.close());

  it('revokes every token bound to the key: POSTs target jkt with the thumbprint', async () => {
    const run = await f.run(['revoke', '--jkt', JKT, '--reason', 'stolen key', '-j', J]);
    expect(run.code).toBe(0);
    expect(f.authority.requests[0]!.body).toEqual({ target: 'jkt', value: JKT, reason: 'stolen key', justification: J });
  });

  it('is the same as the positional form, and refuses both at once without calling the authority', async () => {
    expect((await f.run(['revoke', 'jkt', JKT, '--reason', 'stolen key', '-j', J])).code).toBe(0);
    expect(f.authority.requests[0]!.body).toMatchObject({ target: 'jkt', value: JKT });
    const both = await f.run(['revoke', 'sub', 'alice', '--jkt', JKT, '--reason', 'r', '-j', J]);
    expect(both.code).not.toBe(0);
    expect(both.stderr).toMatch(/--jkt/);
    expect(f.authority.requests).toHaveLength(1);
  });
});
