import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { problem } from '../testing/fake-authority.spec-helper';
import { loggedInFixture, runRevmesh, tempDir, type LoggedInFixture } from '../testing/run-cli.spec-helper';
import { parseOverlap } from './clients';

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

const view = (id: string, extra: Record<string, unknown> = {}) => ({
  client_id: id,
  audiences: ['orders-api'],
  scopes: [],
  token_endpoint_auth_method: 'client_secret_basic',
  jwks: null,
  jwks_uri: null,
  encryption_jwk: null,
  enabled: true,
  created_at: '2026-12-01T10:00:00.000Z',
  updated_at: '2026-12-01T10:00:00.000Z',
  ...extra,
});

describe('revmesh clients add with keys', () => {
  let f: LoggedInFixture;
  let dir: ReturnType<typeof tempDir>;
  beforeEach(async () => {
    f = await loggedInFixture();
    dir = tempDir();
  });
  afterEach(async () => {
    dir.cleanup();
    await f.close();
  });

  it('--jwks sends the public keys of a JWK Set, a JWK or a PEM file as a JWK Set; prints how to authenticate without a secret', async () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = pair.publicKey.export({ format: 'jwk' });
    const pem = join(dir.path, 'key.pem');
    writeFileSync(pem, pair.publicKey.export({ format: 'pem', type: 'spki' }));
    const set = join(dir.path, 'jwks.json');
    writeFileSync(set, JSON.stringify({ keys: [jwk] }));
    f.authority.on('POST', '/v1/clients', { status: 201, body: view('batch', { token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [jwk] } }) });
    for (const file of [pem, set]) {
      const run = await f.run(['clients', 'add', 'batch', '--audience', 'orders-api', '--jwks', file, '-j', J]);
      expect(run.code).toBe(0);
      expect(f.authority.requests.at(-1)!.body).toMatchObject({ client_id: 'batch', jwks: { keys: [jwk] } });
      expect(run.stdout).toContain('It has no secret (private_key_jwt)');
    }
  });

  it('--encryption-key sends one public JWK; the sealed secret is printed as client_secret_jwe', async () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = join(dir.path, 'enc.pem');
    writeFileSync(pem, pair.publicKey.export({ format: 'pem', type: 'spki' }));
    f.authority.on('POST', '/v1/clients', { status: 201, body: { ...view('sealed'), client_secret_jwe: 'eyJ.sealed.jwe.value.x' } });
    const run = await f.run(['clients', 'add', 'sealed', '--audience', 'orders-api', '--encryption-key', pem, '-j', J]);
    expect(run.code).toBe(0);
    expect(f.authority.requests[0]!.body).toMatchObject({ encryption_jwk: { kty: 'RSA', n: expect.any(String), e: 'AQAB' } });
    expect(run.stdout).toMatch(/^client_secret_jwe {2}eyJ\.sealed\.jwe\.value\.x$/m);
    expect(run.stdout).not.toMatch(/^client_secret /m);
  });

  it('refuses a private key file, an unreadable file, --jwks with --jwks-uri, and --encryption-key with --jwks (usage errors, nothing sent)', async () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const priv = join(dir.path, 'private.pem');
    writeFileSync(priv, pair.privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const pub = join(dir.path, 'public.json');
    writeFileSync(pub, JSON.stringify(pair.publicKey.export({ format: 'jwk' })));
    const cases: [string[], RegExp][] = [
      [['--jwks', priv], /holds a private key/],
      [['--jwks', join(dir.path, 'missing.json')], /--jwks: cannot read/],
      [['--jwks', pub, '--jwks-uri', 'https://keys.example.test/jwks'], /not both/],
      [['--jwks', pub, '--encryption-key', pub], /has none/],
    ];
    for (const [flags, message] of cases) {
      const run = await f.run(['clients', 'add', 'x', '--audience', 'orders-api', ...flags, '-j', J]);
      expect({ flags, code: run.code }).toEqual({ flags, code: 2 });
      expect(run.stderr).toMatch(message);
    }
    expect(f.authority.requests).toHaveLength(0);
  });
});

describe('revmesh clients list|show|rotate-secret|disable|enable', () => {
  let f: LoggedInFixture;
  beforeEach(async () => {
    f = await loggedInFixture();
  });
  afterEach(() => f.close());

  it('list: GET /v1/clients with the filters as a query, as a table with the next page; --json as sent', async () => {
    const body = { clients: [view('orders-web'), view('billing', { enabled: false })], next_after: 'billing' };
    f.authority.on('GET', '/v1/clients?enabled=false&auth_method=client_secret_basic&limit=2', { status: 200, body });
    const run = await f.run(['clients', 'list', '--disabled', '--auth-method', 'client_secret_basic', '--limit', '2']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^CLIENT_ID +ENABLED +AUTH METHOD/m);
    expect(run.stdout).toMatch(/^billing +no +client_secret_basic/m);
    expect(run.stdout).toContain('More: revmesh clients list --after billing');
    const json = await f.run(['--json', 'clients', 'list', '--disabled', '--auth-method', 'client_secret_basic', '--limit', '2']);
    expect(JSON.parse(json.stdout)).toEqual(body);
    for (const bad of [['--enabled', '--disabled'], ['--limit', '0'], ['--auth-method', 'magic']]) {
      expect((await f.run(['clients', 'list', ...bad])).code).toBe(2);
    }
    expect(f.authority.requests).toHaveLength(2);
  });

  it('show: GET /v1/clients/:id with its secrets; an unknown client is the 404 problem (exit 5, not found)', async () => {
    f.authority.on('GET', '/v1/clients/orders-web', { status: 200, body: { client: { ...view('orders-web'), secrets: [{ created_at: '2026-12-01T10:00:00.000Z', expires_at: null }] } } });
    const run = await f.run(['clients', 'show', 'orders-web']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Client id +orders-web$/im);
    expect(run.stdout).toMatch(/Secrets \(1\)/i);
    const missing = await f.run(['clients', 'show', 'nobody']);
    expect(missing.code).toBe(5);
    expect(missing.stderr).toContain('NOT_FOUND');
  });

  it('rotate-secret: POST {overlap_seconds, justification}; prints the new secret once and when the old one ends', async () => {
    f.authority.on('POST', '/v1/clients/orders-web/rotate-secret', {
      status: 200,
      body: { ...view('orders-web'), client_secret: 'new-secret-0123456789', overlap_seconds: 3600, previous_secret_expires_at: '2026-12-01T11:00:00.000Z' },
    });
    const run = await f.run(['clients', 'rotate-secret', 'orders-web', '--overlap', '1h', '-j', J]);
    expect(run.code).toBe(0);
    expect(f.authority.requests[0]).toMatchObject({ method: 'POST', body: { overlap_seconds: 3600, justification: J } });
    expect(run.stdout).toContain('the previous one works until 2026-12-01T11:00:00.000Z');
    expect(run.stdout).toMatch(/^client_secret {2}new-secret-0123456789$/m);
    expect((await f.run(['clients', 'rotate-secret', 'orders-web', '--overlap', 'soon', '-j', J])).code).toBe(2);
    expect(parseOverlap('0')).toBe(0);
    expect([parseOverlap('90m'), parseOverlap('7d'), parseOverlap('45')]).toEqual([5400, 604_800, 45]);
  });

  it('disable: pending approval is exit 8 with its id; executed, it names the client_id revocation', async () => {
    f.authority.on('POST', '/v1/clients/orders-web/disable', {
      status: 202,
      body: {
        status: 'pending-approval',
        approval: { id: 'appr-9', action: 'clients.disable', target: 'orders-web', state: 'pending', expiresAt: '2026-12-01T11:00:00.000Z' },
      },
    });
    const pending = await f.run(['clients', 'disable', 'orders-web', '--reason', 'secret leaked', '-j', J]);
    expect(pending.code).toBe(8);
    expect(pending.stdout + pending.stderr).toContain('appr-9');
    expect(f.authority.requests[0]).toMatchObject({ body: { reason: 'secret leaked', justification: J } });

    f.authority.on('POST', '/v1/clients/orders-web/disable', { status: 200, body: { client: view('orders-web', { enabled: false }), revocation: { id: 'rev-1', target: 'client_id', value: 'orders-web' } } });
    const done = await f.run(['clients', 'disable', 'orders-web', '-j', J]);
    expect(done.code).toBe(0);
    expect(done.stdout).toContain('Disabled client orders-web; its tokens are revoked by client_id (revocation rev-1).');
    expect(done.stdout).toContain('revmesh revocation status rev-1');
  });

  it('disable --incident: the body names the incident; without the flag it names none', async () => {
    f.authority.on('POST', '/v1/clients/orders-web/disable', { status: 200, body: { client: view('orders-web', { enabled: false }), revocation: { id: 'rev-2', target: 'client_id', value: 'orders-web' } } });
    expect((await f.run(['clients', 'disable', 'orders-web', '--incident', 'inc-7', '-j', J])).code).toBe(0);
    expect(f.authority.requests[0]).toMatchObject({ method: 'POST', path: '/v1/clients/orders-web/disable', body: { incident: 'inc-7', justification: J } });
    await f.run(['clients', 'disable', 'orders-web', '-j', J]);
    expect(f.authority.requests[1]!.body).toEqual({ justification: J });
  });

  it('enable: POST {justification}', async () => {
    f.authority.on('POST', '/v1/clients/orders-web/enable', { status: 200, body: { client: view('orders-web') } });
    const run = await f.run(['clients', 'enable', 'orders-web', '-j', J]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Enabled\.$/m);
    expect(f.authority.requests[0]).toMatchObject({ body: { justification: J } });
  });
});
