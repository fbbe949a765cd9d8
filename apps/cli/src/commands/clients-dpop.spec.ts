import { loggedInFixture, type LoggedInFixture } from '../testing/run-cli.spec-helper';

const J = 'CHG-51: orders-web holds a DPoP key';

describe('revmesh clients dpop', () => {
  let f: LoggedInFixture;
  beforeEach(async () => {
    f = await loggedInFixture();
    f.authority.on('PUT', '/v1/clients/orders-web/dpop', { status: 200, body: { client_id: 'orders-web', dpop_bound_access_tokens: true } });
  });
  afterEach(() => f.close());

  it('--require PUTs dpop_bound_access_tokens true with the justification', async () => {
    const run = await f.run(['clients', 'dpop', 'orders-web', '--require', '-j', J]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('must now send a DPoP proof');
    expect(f.authority.requests[0]).toMatchObject({ method: 'PUT', body: { dpop_bound_access_tokens: true, justification: J } });
  });

  it('--no-require turns it off; neither is a usage error that calls nothing', async () => {
    expect((await f.run(['clients', 'dpop', 'orders-web', '--no-require', '-j', J])).code).toBe(0);
    expect(f.authority.requests[0]).toMatchObject({ body: { dpop_bound_access_tokens: false } });
    const bare = await f.run(['clients', 'dpop', 'orders-web', '-j', J]);
    expect(bare.code).not.toBe(0);
    expect(bare.stderr).toMatch(/--require/);
    expect(f.authority.requests).toHaveLength(1);
  });
});
