import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeAuthority, type FakeAuthority } from '../testing/fake-authority.spec-helper';
import { installOperatorRoutes, loginTo, runRevmesh, tempDir, TEST_OPERATOR } from '../testing/run-cli.spec-helper';
import { ScriptedTty } from '../testing/scripted-tty.spec-helper';

const { username, password, totp, token } = TEST_OPERATOR;

describe('revmesh login / logout / whoami', () => {
  let authority: FakeAuthority;
  let dir: ReturnType<typeof tempDir>;

  beforeEach(async () => {
    authority = await startFakeAuthority();
    installOperatorRoutes(authority);
    authority.on('GET', '/v1/keys', { status: 200, body: { keys: [] } });
    dir = tempDir();
  });
  afterEach(async () => {
    await authority.close();
    dir.cleanup();
  });

  it('sends name, password and TOTP, stores the session 0600 in a 0700 directory, and prints no secret', async () => {
    const configDir = join(dir.path, 'revmesh');
    const run = await loginTo(authority.url, configDir);

    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toContain(`Logged in to ${authority.url} as alice (security-admin); session until `);
    expect(run.stdout + run.stderr).not.toContain(password);
    expect(run.stdout + run.stderr).not.toContain(token);
    expect(authority.requests).toEqual([expect.objectContaining({ method: 'POST', path: '/v1/login', body: { username, password, totp } })]);
    expect(authority.requests[0]!.headers.authorization).toBeUndefined();

    const file = join(configDir, 'credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(configDir).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      version: 1,
      profiles: {
        default: {
          type: 'operator',
          authority: authority.url,
          username,
          role: 'security-admin',
          token,
          expires_at: expect.any(String),
          auth_time: '2026-11-27T01:00:00.000Z',
          saved_at: expect.any(String),
        },
      },
    });
  });

  it('later commands send the operator token to the stored authority, with no flag', async () => {
    await loginTo(authority.url, dir.path);
    const run = await runRevmesh(['keys', 'list'], dir.path);

    expect(run.code).toBe(0);
    const last = authority.requests.at(-1)!;
    expect(last).toMatchObject({ method: 'GET', path: '/v1/keys' });
    expect(last.headers.authorization).toBe(`Bearer ${token}`);
  });

  it.each([
    ['a wrong password', { ...TEST_OPERATOR, password: 'wrong password' }],
    ['a wrong TOTP', { ...TEST_OPERATOR, totp: '654321' }],
    ['an unknown operator', { ...TEST_OPERATOR, username: 'mallory' }],
  ])('stores nothing after %s (exit 4), with the one message the authority gives for all', async (_name, operator) => {
    const run = await loginTo(authority.url, dir.path, operator);

    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(
      /^revmesh: login refused: .* refused the login \(INVALID_CREDENTIALS: the user name, password or TOTP code is not valid\); nothing was stored \(code LOGIN_REFUSED\)$/m,
    );
    expect(run.stderr).not.toContain(operator.password);
    expect(existsSync(join(dir.path, 'credentials.json'))).toBe(false);
  });

  it('explains throttling with the Retry-After the authority sent (exit 4)', async () => {
    authority.on('POST', '/v1/login', {
      status: 429,
      contentType: 'application/problem+json',
      headers: { 'retry-after': '120' },
      body: { title: 'Too many failed logins', status: 429, code: 'LOGIN_THROTTLED', detail: 'try again later' },
    });
    const run = await loginTo(authority.url, dir.path);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('(code LOGIN_THROTTLED)\nhint: too many failed logins: try again in 120 s\n');
  });

  it.each([
    ['no user name', ['login', '--password-stdin', '--totp', totp], /say who logs in: --username <name>/],
    ['no TOTP and no terminal', ['login', '-u', username, '--password-stdin'], /login needs the current TOTP code: pass --totp <code>, set REVMESH_TOTP/],
    ['a TOTP that is not digits', ['login', '-u', username, '--password-stdin', '--totp', 'abcdef'], /--totp: a TOTP code is 6 to 8 digits/],
    ['no --password-stdin off a terminal', ['login', '-u', username, '--totp', totp], /pass --password-stdin/],
  ])('refuses %s with a usage error and no request', async (_name, argv, message) => {
    const run = await runRevmesh(['--authority', authority.url, ...argv], dir.path, { stdin: `${password}\n` });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(authority.requests).toHaveLength(0);
  });

  it('takes the user name and TOTP from REVMESH_USERNAME and REVMESH_TOTP', async () => {
    const run = await runRevmesh(['--authority', authority.url, 'login', '--password-stdin'], dir.path, {
      stdin: `${password}\n`,
      env: { REVMESH_USERNAME: username, REVMESH_TOTP: totp },
    });
    expect(run.code).toBe(0);
    expect(authority.requests[0]!.body).toEqual({ username, password, totp });
  });

  it("takes the user name from the profile's config.json entry when no flag or env names one", async () => {
    writeFileSync(join(dir.path, 'config.json'), JSON.stringify({ profiles: { default: { authority: authority.url, username } } }));
    const run = await runRevmesh(['login', '--password-stdin', '--totp', totp], dir.path, { stdin: `${password}\n` });
    expect(run.code).toBe(0);
    expect(authority.requests[0]!.body).toEqual({ username, password, totp });
  });

  it('keeps spaces inside a piped password', async () => {
    await runRevmesh(['--authority', authority.url, 'login', '-u', username, '--password-stdin', '--totp', totp], dir.path, { stdin: ' a b \n' });
    expect((authority.requests[0]!.body as { password: string }).password).toBe(' a b ');
  });

  it('at a terminal, asks for the name, then the password and TOTP without echo', async () => {
    const tty = new ScriptedTty([username, password, totp]);
    const run = await runRevmesh(['--authority', authority.url, 'login'], dir.path, { stdin: tty });

    expect(run.code).toBe(0);
    expect(authority.requests[0]!.body).toEqual({ username, password, totp });
    expect(run.stderr).toContain(`operator name: ${username}\n`);
    expect(run.stderr).toContain('password (input hidden): \n');
    expect(run.stderr).toContain('TOTP code from your authenticator (login): \n');
    expect(run.stderr).not.toContain(password);
    expect(tty.rawModes).toEqual([true, false, true, false, true, false]);
  });

  it('refuses a credentials file that group or others can read (exit 4), naming the fix', async () => {
    await loginTo(authority.url, dir.path);
    const file = join(dir.path, 'credentials.json');
    chmodSync(file, 0o644);
    const before = authority.requests.length;

    const run = await runRevmesh(['keys', 'list'], dir.path, { env: { REVMESH_AUTHORITY_URL: authority.url } });

    expect(run.code).toBe(4);
    expect(run.stderr).toContain(`${file} has mode 0644`);
    expect(run.stderr).toContain(`chmod 600 ${file}`);
    expect(run.stderr).not.toContain(token);
    expect(authority.requests).toHaveLength(before);
  });

  it('never sends a stored token to another authority URL (exit 4)', async () => {
    await loginTo(authority.url, dir.path);
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

  it('does not send an expired session; says to log in again (exit 4)', async () => {
    await loginTo(authority.url, dir.path);
    const before = authority.requests.length;
    const run = await runRevmesh(['keys', 'list'], dir.path, { now: () => Date.now() + 2 * 3600_000 });

    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/^revmesh: session expired: the operator session of profile "default" expired at .* \(code SESSION_EXPIRED\)\nhint: log in again: revmesh login$/m);
    expect(authority.requests).toHaveLength(before);
  });

  it('keeps one credential per profile', async () => {
    await loginTo(authority.url, dir.path, TEST_OPERATOR, 'staging');
    const withoutLogin = await runRevmesh(['--authority', authority.url, 'keys', 'list'], dir.path);
    const staging = await runRevmesh(['--profile', 'staging', 'keys', 'list'], dir.path);

    expect(withoutLogin.code).toBe(4);
    expect(withoutLogin.stderr).toMatch(/^revmesh: not logged in: profile "default" has no stored credential \(code NOT_LOGGED_IN\)$/m);
    expect(staging.code).toBe(0);
  });

  it('reads an admin key stored by an older revmesh as "not logged in", and a new login replaces it', async () => {
    const file = join(dir.path, 'credentials.json');
    const old = { type: 'admin-key', authority: authority.url, admin_key: 'old-admin-key', saved_at: '2025-01-01T00:00:00.000Z' };
    writeFileSync(file, JSON.stringify({ version: 1, profiles: { default: old } }), { mode: 0o600 });

    const before = await runRevmesh(['keys', 'list'], dir.path, { env: { REVMESH_AUTHORITY_URL: authority.url } });
    expect(before.code).toBe(4);
    expect(before.stderr).toContain('(code NOT_LOGGED_IN)');

    expect((await loginTo(authority.url, dir.path)).code).toBe(0);
    expect(readFileSync(file, 'utf8')).not.toContain('old-admin-key');
  });

  it('logout ends the session on the authority, forgets it, and is harmless when repeated', async () => {
    await loginTo(authority.url, dir.path);
    const first = await runRevmesh(['logout'], dir.path);
    const second = await runRevmesh(['--json', 'logout'], dir.path);
    const after = await runRevmesh(['--authority', authority.url, 'keys', 'list'], dir.path);

    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toContain('Logged out');
    const logouts = authority.requests.filter((r) => r.path === '/v1/logout');
    expect(logouts).toHaveLength(1);
    expect(logouts[0]!.headers.authorization).toBe(`Bearer ${token}`);
    expect(JSON.parse(second.stdout)).toEqual({ profile: 'default', removed: false, session_ended: false });
    expect(existsSync(join(dir.path, 'credentials.json'))).toBe(false);
    expect(after.code).toBe(4);
  });

  it('logout tells the authority that issued the session, never the one --authority names now', async () => {
    await loginTo(authority.url, dir.path);
    const other = await startFakeAuthority();
    try {
      const run = await runRevmesh(['--authority', other.url, 'logout'], dir.path);
      expect(run.code).toBe(0);
      expect(other.requests).toHaveLength(0);
      expect(authority.requests.filter((r) => r.path === '/v1/logout')).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it('logout forgets the local session even when the authority cannot be told, with a warning', async () => {
    await loginTo(authority.url, dir.path);
    await authority.close();
    const run = await runRevmesh(['logout'], dir.path);

    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^revmesh: warning: could not end the session on the authority \(.*ECONNREFUSED.*\); it ends at its expiry/m);
    expect(existsSync(join(dir.path, 'credentials.json'))).toBe(false);
    authority = await startFakeAuthority();
  });

  it('keeps other profiles when one logs out', async () => {
    await loginTo(authority.url, dir.path);
    await loginTo(authority.url, dir.path, TEST_OPERATOR, 'staging');
    await runRevmesh(['--profile', 'staging', 'logout'], dir.path);

    const stored = JSON.parse(readFileSync(join(dir.path, 'credentials.json'), 'utf8')) as { profiles: Record<string, unknown> };
    expect(Object.keys(stored.profiles)).toEqual(['default']);
  });

  it('--json login prints one document without the token', async () => {
    const run = await runRevmesh(['--json', '--authority', authority.url, 'login', '-u', username, '--password-stdin', '--totp', totp], dir.path, {
      stdin: password,
    });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      profile: 'default',
      authority: authority.url,
      username,
      role: 'security-admin',
      expires_at: expect.any(String),
      credentials_file: join(dir.path, 'credentials.json'),
    });
    expect(run.stdout).not.toContain(token);
  });

  it('writes over a stale group-readable file with a private one on a new login', async () => {
    const file = join(dir.path, 'credentials.json');
    writeFileSync(file, '{"version":1,"profiles":{}}', { mode: 0o644 });
    chmodSync(file, 0o644);
    const run = await loginTo(authority.url, dir.path);
    expect(run.code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('whoami shows the operator of the session (GET /v1/me)', async () => {
    await loginTo(authority.url, dir.path);
    const run = await runRevmesh(['whoami'], dir.path);
    const json = await runRevmesh(['--json', 'whoami'], dir.path);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^username +alice$/m);
    expect(run.stdout).toMatch(/^role +security-admin$/m);
    expect(run.stdout).toMatch(/^session expires at +2026-11-27T02:00:00\.000Z$/m);
    expect(run.stdout).toMatch(new RegExp(`^authority +${authority.url}$`, 'm'));
    expect(JSON.parse(json.stdout)).toMatchObject({ username: 'alice', role: 'security-admin' });
    expect(authority.requests.filter((r) => r.path === '/v1/me').every((r) => r.headers.authorization === `Bearer ${token}`)).toBe(true);
  });

  it('whoami without a session: exit 4 with how to log in', async () => {
    const run = await runRevmesh(['--authority', authority.url, 'whoami'], dir.path);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('hint: log in first: revmesh [--authority <url>] login --username <name>');
  });
});
