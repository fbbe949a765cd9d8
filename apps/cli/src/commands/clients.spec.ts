import { problem } from '../testing/fake-authority.spec-helper';
import { loggedInFixture, runRevmesh, tempDir, type LoggedInFixture } from '../testing/run-cli.spec-helper';

const J = 'orders web app calls the orders API, CHG-12';
const registered = { client_id: 'orders-web', client_secret: 'once-only-secret-0123456789', audiences: ['orders-api'], scopes: [] };

describe('revmesh clients add', () => {
  let f: LoggedInFixture;
  beforeEach(async () => {
    f = await loggedInFixture();
    f.authority.on('POST', '/v1/clients', { status: 201, body: registered });
  });
  afterEach(() => f.close());

  it('POST /v1/clients {client_id, audiences, scopes, justification}; prints the secret once with what it is for', async () => {
    const run = await f.run(['clients', 'add', 'orders-web', '--audience', 'orders-api', '-j', J]);

    expect(run.code).toBe(0);
    expect(f.authority.requests).toHaveLength(1);
    expect(f.authority.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v1/clients',
      body: { client_id: 'orders-web', audiences: ['orders-api'], scopes: [], justification: J },
    });
    expect(run.stdout).toContain(`Registered client orders-web on ${f.authority.url}.\n`);
    expect(run.stdout).toContain('it is shown only once and cannot be shown again');
    expect(run.stdout).toMatch(/^client_secret {2}once-only-secret-0123456789$/m);
    expect(run.stdout).toMatch(/^audiences {6}orders-api$/m);
    expect(run.stdout).toMatch(/^scopes {9}-$/m);
  });

  it('repeats --audience and --scope; without a client id the authority picks one; --json prints its answer', async () => {
    const run = await f.run(['--json', 'clients', 'add', '--audience', 'orders-api', '--audience', 'billing-api', '--scope', 'orders:read', '--scope', 'orders:write', '-j', J]);

    expect(run.code).toBe(0);
    expect(f.authority.requests[0]!.body).toEqual({ audiences: ['orders-api', 'billing-api'], scopes: ['orders:read', 'orders:write'], justification: J });
    expect(JSON.parse(run.stdout)).toEqual(registered);
  });

  it('shows the fields the authority refused (exit 1)', async () => {
    f.authority.on(
      'POST',
      '/v1/clients',
      problem(400, 'INVALID_REQUEST', 'Invalid request', 'the request body is invalid', [{ field: 'client_id', message: "must be 1..128 of letters, digits, '.', '_', '~', '-'" }]),
    );
    const run = await f.run(['clients', 'add', 'orders web', '--audience', 'orders-api', '-j', J]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('(code INVALID_REQUEST)');
    expect(run.stderr).toContain('client_id');
    expect(run.stdout).toBe('');
  });

  it.each([
    [['clients', 'add', 'orders-web', '-j', J], /--audience/],
    [['clients', 'add', 'orders-web', '--audience', 'orders-api'], /a justification is required/],
  ])('%j is a usage error and sends nothing', async (argv, message) => {
    const run = await f.run(argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(f.authority.requests).toHaveLength(0);
  });

  it('needs a login', async () => {
    const dir = tempDir();
    try {
      const run = await runRevmesh(['--authority', f.authority.url, 'clients', 'add', 'x', '--audience', 'a', '-j', J], dir.path);
      expect(run.code).toBe(4);
      expect(run.stderr).toMatch(/not logged in/i);
    } finally {
      dir.cleanup();
    }
  });
});
