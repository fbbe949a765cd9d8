import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { problem, startFakeAuthority, type FakeAuthority } from '../testing/fake-authority.spec-helper';
import { loginTo, runRevmesh, tempDir } from '../testing/run-cli.spec-helper';

const ADMIN_KEY = 'k3y-for-tests-0123456789abcdefghijklmnop';
const PROBE = '/v1/revocations/revmesh-cli-login-check';

describe('revmesh login / logout', () => {
  let authority: FakeAuthority;
  let dir: ReturnType<typeof tempDir>;

  beforeEach(async () => {
    authority = await startFakeAuthority();
    // Like the real guard: the right key reaches the (failing) lookup, anything else is 401.
    authority.on('GET', PROBE, (request) =>
      request.headers.authorization === `Bearer ${ADMIN_KEY}`
        ? problem(404, 'NOT_FOUND', 'Not found', 'no revocation with id "revmesh-cli-login-check"')
        : problem(401, 'UNAUTHORIZED', 'Authentication required', 'the admin key is not valid'),
    );
    authority.on('GET', '/v1/keys', { status: 200, body: { keys: [] } });
    dir = tempDir();
  });
  afterEach(async () => {
    await authority.close();
    dir.cleanup();
  });

  it('reads the admin key from stdin, checks it, and stores it 0600 in a 0700 directory without printing it', async () => {
    const configDir = join(dir.path, 'revmesh');
    const run = await loginTo(authority.url, configDir, ADMIN_KEY);

    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toContain(`Logged in to ${authority.url}`);
    expect(run.stdout + run.stderr).not.toContain(ADMIN_KEY);
    expect(authority.requests).toEqual([expect.objectContaining({ method: 'GET', path: PROBE })]);
    expect(authority.requests[0]!.headers.authorization).toBe(`Bearer ${ADMIN_KEY}`);

    const file = join(configDir, 'credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(configDir).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      version: 1,
      profiles: { default: { type: 'admin-key', authority: authority.url, admin_key: ADMIN_KEY, saved_at: expect.any(String) } },
    });
  });

  it('later commands use the stored key and its authority, with no flag', async () => {
    await loginTo(authority.url, dir.path, ADMIN_KEY);
    const run = await runRevmesh(['keys', 'list'], dir.path);

    expect(run.code).toBe(0);
    const last = authority.requests.at(-1)!;
    expect(last).toMatchObject({ method: 'GET', path: '/v1/keys' });
    expect(last.headers.authorization).toBe(`Bearer ${ADMIN_KEY}`);
  });

  it('stores nothing when the authority refuses the key (exit 4)', async () => {
    const run = await loginTo(authority.url, dir.path, 'wrong-key-wrong-key-wrong-key-wrong');

    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/^revmesh: login refused: .*refused this admin key \(UNAUTHORIZED: the admin key is not valid\); nothing was stored \(code LOGIN_REFUSED\)$/m);
    expect(run.stderr).not.toContain('wrong-key');
    expect(existsSync(join(dir.path, 'credentials.json'))).toBe(false);
  });

  it('does not store a key for a server that is not an authority (404 without a problem body)', async () => {
    authority.on('GET', PROBE, { status: 404, body: '<html>nope</html>', contentType: 'text/html' });
    const run = await loginTo(authority.url, dir.path, ADMIN_KEY);

    expect(run.code).toBe(5);
    expect(existsSync(join(dir.path, 'credentials.json'))).toBe(false);
  });

  it.each([
    ['empty stdin', '', /no admin key on stdin/],
    ['two values', 'one two\n', /only the admin key/],
  ])('refuses %s with a usage error and no request', async (_name, stdin, message) => {
    const run = await runRevmesh(['--authority', authority.url, 'login', '--admin-key-stdin'], dir.path, { stdin });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(authority.requests).toHaveLength(0);
  });

  it('asks for a login method when none is given', async () => {
    const run = await runRevmesh(['--authority', authority.url, 'login'], dir.path, { stdin: ADMIN_KEY });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--admin-key-stdin');
  });

  it('refuses a credentials file that group or others can read (exit 4), naming the fix', async () => {
    await loginTo(authority.url, dir.path, ADMIN_KEY);
    const file = join(dir.path, 'credentials.json');
    chmodSync(file, 0o644);
    const before = authority.requests.length;

    const run = await runRevmesh(['keys', 'list'], dir.path, { env: { REVMESH_AUTHORITY_URL: authority.url } });

    expect(run.code).toBe(4);
    expect(run.stderr).toContain(`${file} has mode 0644`);
    expect(run.stderr).toContain(`chmod 600 ${file}`);
    expect(run.stderr).not.toContain(ADMIN_KEY);
    expect(authority.requests).toHaveLength(before);
  });

  it('never sends a stored key to another authority URL (exit 4)', async () => {
    await loginTo(authority.url, dir.path, ADMIN_KEY);
    const other = await startFakeAuthority();
    try {
      const run = await runRevmesh(['--authority', other.url, 'keys', 'list'], dir.path);
      expect(run.code).toBe(4);
      expect(run.stderr).toContain(`holds a credential for ${authority.url}, not ${other.url}`);
      expect(other.requests).toHaveLength(0);
    } finally {
      await other.close();
    }
  });

  it('keeps one credential per profile', async () => {
    await loginTo(authority.url, dir.path, ADMIN_KEY, 'staging');
    const withoutLogin = await runRevmesh(['--authority', authority.url, 'keys', 'list'], dir.path);
    const staging = await runRevmesh(['--profile', 'staging', 'keys', 'list'], dir.path);

    expect(withoutLogin.code).toBe(4);
    expect(withoutLogin.stderr).toMatch(/^revmesh: not logged in: profile "default" has no stored credential \(code NOT_LOGGED_IN\)$/m);
    expect(staging.code).toBe(0);
  });

  it('logout forgets the credential and is harmless when repeated', async () => {
    await loginTo(authority.url, dir.path, ADMIN_KEY);
    const first = await runRevmesh(['logout'], dir.path);
    const second = await runRevmesh(['--json', 'logout'], dir.path);
    const after = await runRevmesh(['--authority', authority.url, 'keys', 'list'], dir.path);

    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toContain('Logged out');
    expect(JSON.parse(second.stdout)).toEqual({ profile: 'default', removed: false });
    expect(existsSync(join(dir.path, 'credentials.json'))).toBe(false);
    expect(after.code).toBe(4);
  });

  it('keeps other profiles when one logs out', async () => {
    await loginTo(authority.url, dir.path, ADMIN_KEY);
    await loginTo(authority.url, dir.path, ADMIN_KEY, 'staging');
    await runRevmesh(['--profile', 'staging', 'logout'], dir.path);

    const stored = JSON.parse(readFileSync(join(dir.path, 'credentials.json'), 'utf8')) as { profiles: Record<string, unknown> };
    expect(Object.keys(stored.profiles)).toEqual(['default']);
  });

  it('--json login prints one document without the key', async () => {
    const run = await runRevmesh(['--json', '--authority', authority.url, 'login', '--admin-key-stdin'], dir.path, { stdin: ADMIN_KEY });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      profile: 'default',
      authority: authority.url,
      credential_type: 'admin-key',
      saved_at: expect.any(String),
      credentials_file: join(dir.path, 'credentials.json'),
    });
    expect(run.stdout).not.toContain(ADMIN_KEY);
  });

  it('writes over a stale group-readable file with a private one on a new login', async () => {
    const file = join(dir.path, 'credentials.json');
    writeFileSync(file, '{"version":1,"profiles":{}}', { mode: 0o644 });
    chmodSync(file, 0o644);
    const run = await loginTo(authority.url, dir.path, ADMIN_KEY);
    expect(run.code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
