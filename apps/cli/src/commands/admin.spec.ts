import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { problem, startFakeAuthority, type FakeAuthority } from '../testing/fake-authority.spec-helper';
import { runRevmesh, tempDir } from '../testing/run-cli.spec-helper';
import { ScriptedTty } from '../testing/scripted-tty.spec-helper';

const BOOTSTRAP_TOKEN = 'bootstrap-token-0123456789abcdef';
const URI = 'otpauth://totp/revmesh:alice?secret=KRSXG5CTMVRXEZLU&issuer=revmesh';

describe('revmesh admin bootstrap', () => {
  let authority: FakeAuthority;
  let dir: ReturnType<typeof tempDir>;
  beforeEach(async () => {
    authority = await startFakeAuthority();
    authority.on('POST', '/v1/bootstrap', (request) =>
      request.headers.authorization === `Bearer ${BOOTSTRAP_TOKEN}`
        ? { status: 201, body: { operator: { username: 'alice', role: 'security-admin' }, totp: { secret: 'KRSXG5CTMVRXEZLU', otpauthUri: URI } } }
        : problem(401, 'UNAUTHORIZED', 'Authentication required', 'the bootstrap token is not valid'),
    );
    dir = tempDir();
  });
  afterEach(async () => {
    await authority.close();
    dir.cleanup();
  });

  it('token from REVMESH_BOOTSTRAP_TOKEN, password from stdin: creates the admin and prints the enrolment once', async () => {
    const run = await runRevmesh(['admin', 'bootstrap', '--url', authority.url, '--username', 'alice', '--password-stdin'], dir.path, {
      stdin: 'alices password\n',
      env: { REVMESH_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN },
    });

    expect(run.code).toBe(0);
    expect(authority.requests[0]).toMatchObject({ method: 'POST', path: '/v1/bootstrap', body: { username: 'alice', password: 'alices password' } });
    expect(authority.requests[0]!.headers.authorization).toBe(`Bearer ${BOOTSTRAP_TOKEN}`);
    expect(run.stdout).toBe(
      `Created operator alice (security-admin) on ${authority.url}.\n` +
        'Store this in your authenticator now: it is shown only once and cannot be shown again.\n' +
        `otpauth URI  ${URI}\n` +
        'secret       KRSXG5CTMVRXEZLU\n' +
        `Then log in: revmesh --authority ${authority.url} login --username alice\n`,
    );
    expect(run.stdout + run.stderr).not.toContain(BOOTSTRAP_TOKEN);
    // Nothing is stored: the admin logs in once the authenticator holds the secret.
    expect(existsSync(join(dir.path, 'credentials.json'))).toBe(false);
  });

  it('--enrolment: no password; prints the second initial admin\'s enrolment code', async () => {
    const code = 'rme_0123456789abcdefghijklmnopqrstuv';
    authority.on('POST', '/v1/bootstrap', {
      status: 201,
      body: { operator: { username: 'bob', role: 'security-admin' }, enrolment: { code, expiresAt: '2026-11-27T02:00:00.000Z' } },
    });
    const run = await runRevmesh(['admin', 'bootstrap', '--url', authority.url, '-u', 'bob', '--enrolment'], dir.path, { env: { REVMESH_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN } });
    expect(run.code).toBe(0);
    expect(authority.requests[0]).toMatchObject({ method: 'POST', path: '/v1/bootstrap', body: { username: 'bob' } });
    expect(run.stdout).toContain('Created operator bob (security-admin)');
    expect(run.stdout).toContain(`code         ${code}\n`);
    const both = await runRevmesh(['admin', 'bootstrap', '--url', authority.url, '-u', 'bob', '--enrolment', '--password-stdin'], dir.path, {
      env: { REVMESH_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN },
      stdin: 'pw\n',
    });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--enrolment sets no password');
  });

  it('--json: the fields', async () => {
    const run = await runRevmesh(['--json', 'admin', 'bootstrap', '--url', authority.url, '-u', 'alice', '--password-stdin'], dir.path, {
      stdin: 'pw',
      env: { REVMESH_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN },
    });
    expect(JSON.parse(run.stdout)).toMatchObject({ totp: { secret: 'KRSXG5CTMVRXEZLU', otpauthUri: URI } });
  });

  it('token from stdin at a terminal, then the password twice', async () => {
    const tty = new ScriptedTty([BOOTSTRAP_TOKEN, 'pw one', 'pw one']);
    const run = await runRevmesh(['--authority', authority.url, 'admin', 'bootstrap', '-u', 'alice', '--bootstrap-token-stdin'], dir.path, { stdin: tty });
    expect(run.code).toBe(0);
    expect(authority.requests[0]!.body).toEqual({ username: 'alice', password: 'pw one' });
  });

  it.each([
    [problem(409, 'BOOTSTRAP_DONE', 'Bootstrap done', 'a security-admin exists'), 1, 'hint: a security-admin exists already: log in (revmesh login) and use revmesh operators add'],
    [problem(403, 'BOOTSTRAP_DISABLED', 'Bootstrap disabled', 'REVMESH_BOOTSTRAP_TOKEN is not set'), 4, '(code BOOTSTRAP_DISABLED)'],
  ])('refused: %j → exit %d', async (reply, code, text) => {
    authority.on('POST', '/v1/bootstrap', reply);
    const run = await runRevmesh(['admin', 'bootstrap', '--url', authority.url, '-u', 'alice', '--password-stdin'], dir.path, {
      stdin: 'pw',
      env: { REVMESH_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN },
    });
    expect(run.code).toBe(code);
    expect(run.stderr).toContain(text);
  });

  it.each([
    [['--bootstrap-token-stdin', '--password-stdin'], {}, /stdin can carry the bootstrap token or the password, not both/],
    [['--password-stdin'], {}, /the bootstrap token is required: --bootstrap-token-stdin, or set REVMESH_BOOTSTRAP_TOKEN/],
    [[], { REVMESH_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN }, /stdin is not a terminal: pass --password-stdin/],
  ])('%j is a usage error and sends nothing', async (flags, env, message) => {
    const run = await runRevmesh(['admin', 'bootstrap', '--url', authority.url, '-u', 'alice', ...flags], dir.path, { stdin: 'x', env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(authority.requests).toHaveLength(0);
  });
});
