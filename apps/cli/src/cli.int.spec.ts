import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generate } from 'otplib';

// The real thing: the built authority as a process on the real broker (KAFKA_BROKERS comes from
// the integration project's globalSetup), and the built CLI as a child process, as a person runs it.
// The launch logic is copied from apps/e2e/src/support/authority-process.ts rather than imported
// from @revmesh/test-support, which the cli's module boundary (contracts only) does not allow.

const REPO_ROOT = resolve(__dirname, '..', '..', '..');
const CLI_MAIN = join(REPO_ROOT, 'apps/cli/dist/main.js');
const AUTHORITY_MAIN = join(REPO_ROOT, 'apps/authority/dist/main.js');

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

interface Authority {
  readonly url: string;
  readonly bootstrapToken: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly dataDir: string;
  readonly child: ChildProcess;
  output(): string;
}

/** Starts `apps/authority/dist/main.js` in demo mode and resolves once it prints its ready line. */
async function startAuthority(brokers: string): Promise<Authority> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'revmesh-cli-it-authority-'));
  const env = {
    PATH: process.env['PATH'] ?? '',
    PORT: String(port),
    KAFKA_BROKERS: brokers,
    REVMESH_ISSUER: url,
    REVMESH_DATA_DIR: dataDir,
    REVMESH_BOOTSTRAP_TOKEN: randomBytes(32).toString('base64url'),
    REVMESH_KEK: randomBytes(32).toString('base64'),
    REVMESH_TOPIC_PREFIX: `revmesh-cli-it-${randomBytes(4).toString('hex')}.`,
    REVMESH_DEMO: 'true',
    REVMESH_DEMO_CLIENT_ID: 'demo-client',
    REVMESH_DEMO_CLIENT_SECRET: randomBytes(32).toString('base64url'),
    REVMESH_OUTBOX_POLL_MS: '200',
    REVMESH_LOG_LEVEL: 'warn',
  };
  const child = spawn(process.execPath, [AUTHORITY_MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => (output += chunk.toString());
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`authority not ready within 60 s:\n${output.slice(-4000)}`)), 60_000);
    const check = () => {
      if (/revmesh authority listening on/.test(output)) {
        clearTimeout(timer);
        ready();
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`authority exited with ${code} before it was ready:\n${output.slice(-4000)}`));
    });
  });
  return {
    url,
    bootstrapToken: env.REVMESH_BOOTSTRAP_TOKEN,
    clientId: env.REVMESH_DEMO_CLIENT_ID,
    clientSecret: env.REVMESH_DEMO_CLIENT_SECRET,
    dataDir,
    child,
    output: () => output,
  };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(killer);
}

interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI as a child process with its own config dir and HOME. */
function revmesh(args: readonly string[], configDir: string, stdin = '', env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI_MAIN, ...args], {
      env: { PATH: process.env['PATH'] ?? '', HOME: configDir, REVMESH_CONFIG_DIR: configDir, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

async function issueToken(authority: Authority): Promise<string> {
  const response = await fetch(`${authority.url}/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${authority.clientId}:${authority.clientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
  });
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`token request failed: ${response.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

/** The current TOTP code of `secret`, as an authenticator app would show it. */
function totpOf(secret: string): Promise<string> {
  return generate({ secret });
}

/** An operator the test created: its profile and what its authenticator holds. */
interface Operator {
  readonly username: string;
  readonly password: string;
  readonly totpSecret: string;
}

describe('revmesh CLI against a real authority and broker', () => {
  let authority: Authority;
  let configDir: string;
  const alice: Operator = { username: 'alice', password: `alice-${randomBytes(12).toString('base64url')}`, totpSecret: '' };
  const bob: Operator = { username: 'bob', password: `bob ${randomBytes(12).toString('base64url')} pass`, totpSecret: '' };
  const as = (operator: Operator, args: readonly string[], stdin = '', env: Record<string, string> = {}) =>
    revmesh(['--profile', operator.username, ...args], configDir, stdin, env);

  beforeAll(async () => {
    for (const built of [CLI_MAIN, AUTHORITY_MAIN]) {
      if (!existsSync(built)) throw new Error(`${built} is missing: run npx tsc -b apps/cli apps/authority first`);
    }
    const brokers = process.env['KAFKA_BROKERS'];
    if (!brokers) throw new Error('KAFKA_BROKERS is not set: run this through the jest integration project');
    authority = await startAuthority(brokers);
    configDir = mkdtempSync(join(tmpdir(), 'revmesh-cli-it-config-'));
  }, 90_000);

  afterAll(async () => {
    if (authority) {
      await stop(authority.child);
      rmSync(authority.dataDir, { recursive: true, force: true });
    }
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  });

  it('bootstraps, logs in with TOTP, revokes, gets a second admin to approve, and verifies the audit log', async () => {
    // Bootstrap: the first security-admin, its TOTP secret printed once.
    const bootstrap = await revmesh(
      ['--json', 'admin', 'bootstrap', '--url', authority.url, '--username', alice.username, '--password-stdin'],
      configDir,
      `${alice.password}\n`,
      { REVMESH_BOOTSTRAP_TOKEN: authority.bootstrapToken },
    );
    expect(bootstrap).toMatchObject({ code: 0, stderr: '' });
    const enrolment = JSON.parse(bootstrap.stdout) as { operator: { role: string }; totp: { secret: string; otpauthUri: string } };
    expect(enrolment.operator.role).toBe('security-admin');
    expect(enrolment.totp.otpauthUri).toMatch(/^otpauth:\/\/totp\//);
    Object.assign(alice, { totpSecret: enrolment.totp.secret });

    const again = await revmesh(['admin', 'bootstrap', '--url', authority.url, '-u', 'mallory', '--password-stdin'], configDir, 'a long enough password\n', {
      REVMESH_BOOTSTRAP_TOKEN: authority.bootstrapToken,
    });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('(code BOOTSTRAP_DONE)');

    // Login with a TOTP computed here, as the authenticator app would.
    const login = await as(alice, ['--authority', authority.url, 'login', '-u', alice.username, '--password-stdin', '--totp', await totpOf(alice.totpSecret)], `${alice.password}\n`);
    expect(login).toMatchObject({ code: 0, stderr: '' });
    expect(login.stdout).toContain(`Logged in to ${authority.url} as alice (security-admin)`);
    expect(statSync(join(configDir, 'credentials.json')).mode & 0o777).toBe(0o600);

    const whoami = await as(alice, ['--json', 'whoami']);
    expect(JSON.parse(whoami.stdout)).toMatchObject({ username: 'alice', role: 'security-admin' });

    // alice alone cannot make a second security-admin: the request waits for an approval she cannot give.
    const added = await as(alice, ['--json', 'operators', 'add', 'puppet', '--role', 'security-admin', '-j', 'a second admin, by myself']);
    expect(added.code).toBe(8);
    expect(JSON.parse(added.stdout)).toMatchObject({ status: 'pending-approval', approval: { action: 'operators.add-security-admin' } });

    // The second initial admin comes from the bootstrap token as an enrolment code; bob enrols himself.
    const invited = await revmesh(['--json', 'admin', 'bootstrap', '--url', authority.url, '-u', bob.username, '--enrolment'], configDir, '', {
      REVMESH_BOOTSTRAP_TOKEN: authority.bootstrapToken,
    });
    expect(invited.code).toBe(0);
    const code = (JSON.parse(invited.stdout) as { enrolment: { code: string } }).enrolment.code;
    const offered = await as(bob, ['--json', '--authority', authority.url, 'enrol', '--code', code]);
    expect(offered.code).toBe(0);
    Object.assign(bob, { totpSecret: (JSON.parse(offered.stdout) as { totp: { secret: string } }).totp.secret });
    const bobEnrolled = await as(bob, ['--authority', authority.url, 'enrol', '--code', code, '--password-stdin', '--totp', await totpOf(bob.totpSecret)], `${bob.password}\n`);
    expect(bobEnrolled.code).toBe(0);
    expect(bobEnrolled.stdout).toContain(`Enrolled on ${authority.url} as bob (security-admin)`);
    // The code was good once.
    const reused = await as(bob, ['--authority', authority.url, 'enrol', '--code', code]);
    expect(reused.code).toBe(1);
    expect(reused.stderr).toContain('(code ENROLMENT_CODE_INVALID)');

    // A jti revocation executes at once; no --authority from here on: the profile says where.
    const token = await issueToken(authority);
    const jti = (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { jti: string }).jti;
    const revoke = await as(alice, ['revoke', 'jti', jti, '--reason', 'cli integration test', '-j', 'integration test: token leaked', '--json']);
    expect(revoke.code).toBe(0);
    const created = JSON.parse(revoke.stdout) as { id: string; target: string; value: string };
    expect(created).toMatchObject({ target: 'jti', value: jti });

    let status: CliResult | undefined;
    const deadline = Date.now() + 20_000;
    for (;;) {
      status = await as(alice, ['revocation', 'status', created.id, '--json']);
      expect(status.code).toBe(0);
      const document = JSON.parse(status.stdout) as { revocation: { id: string; published: boolean } };
      expect(document.revocation.id).toBe(created.id);
      if (document.revocation.published) break;
      if (Date.now() > deadline) throw new Error(`revocation ${created.id} not published after 20 s:\n${authority.output().slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }

    // Revoking a whole client needs a second security-admin (the default policy).
    const gated = await as(alice, ['--json', 'revoke', 'client_id', authority.clientId, '--reason', 'client secret leaked', '-j', 'integration test: secret in a public gist']);
    expect(gated.code).toBe(8);
    const pending = JSON.parse(gated.stdout) as { status: string; approval: { id: string; state: string; action: string } };
    expect(pending).toMatchObject({ status: 'pending-approval', approval: { state: 'pending', action: 'revocations.client_id' } });

    const self = await as(alice, ['approvals', 'approve', pending.approval.id, '-j', 'approving my own request']);
    expect(self.code).toBe(4);
    expect(self.stderr).toContain('(code SELF_APPROVAL)');

    const listed = await as(bob, ['--json', 'approvals', 'list', '--state', 'pending']);
    expect((JSON.parse(listed.stdout) as { approvals: { id: string }[] }).approvals.map((a) => a.id)).toContain(pending.approval.id);

    const approved = await as(bob, ['--json', 'approvals', 'approve', pending.approval.id, '-j', 'confirmed with alice: the secret is public']);
    expect(approved.code).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({ approval: { id: pending.approval.id, state: 'executed', decidedBy: { username: 'bob' } } });

    // The audit log: intact as the authority keeps it; one edited row is named.
    const verify = await as(alice, ['--json', 'audit', 'verify']);
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true });
    expect((JSON.parse(verify.stdout) as { entries: number }).entries).toBeGreaterThan(5);

    const exportFile = join(configDir, 'audit.jsonl');
    const exported = await as(alice, ['audit', 'export', '--out', exportFile]);
    expect(exported.code).toBe(0);
    expect(statSync(exportFile).mode & 0o777).toBe(0o600);
    expect((await as(alice, ['audit', 'verify', '--file', exportFile])).code).toBe(0);

    const lines = readFileSync(exportFile, 'utf8').trimEnd().split('\n');
    const index = lines.findIndex((line) => line.includes('"revocations.create"') || line.includes('"revocations.issue"'));
    const target = index >= 0 ? index : Math.floor(lines.length / 2);
    const edited = JSON.parse(lines[target]!) as { seq: number; justification: string | null };
    lines[target] = JSON.stringify({ ...edited, justification: 'nothing happened here' });
    writeFileSync(exportFile, `${lines.join('\n')}\n`);
    const broken = await as(alice, ['audit', 'verify', '--file', exportFile]);
    expect(broken.code).toBe(10);
    expect(broken.stderr).toMatch(new RegExp(`^revmesh: audit chain broken: entry ${edited.seq} \\(line ${target + 1}\\) .*: edited: .*\\(code AUDIT_CHAIN_BROKEN\\)$`, 'm'));

    for (const run of [bootstrap, login, bobEnrolled, revoke, gated, approved]) {
      expect(run.stdout + run.stderr).not.toContain(authority.bootstrapToken);
      expect(run.stdout + run.stderr).not.toContain(alice.password);
      expect(run.stdout + run.stderr).not.toContain(bob.password);
    }
  });

  it('answers an unknown revocation with exit 5 and one clear line', async () => {
    const run = await as(alice, ['revocation', 'status', randomUUID()]);
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(/^revmesh: Not found: no revocation with id "[^"]*": unknown, or expired and pruned [^\n]* \(code NOT_FOUND\)\n$/);
  });

  it('refuses a wrong password with the same line as an unknown operator, and stores nothing', async () => {
    const code = await totpOf(alice.totpSecret);
    const wrong = await revmesh(['--profile', 'wrong', '--authority', authority.url, 'login', '-u', 'alice', '--password-stdin', '--totp', code], configDir, 'not her password\n');
    const unknown = await revmesh(['--profile', 'wrong', '--authority', authority.url, 'login', '-u', 'nobody', '--password-stdin', '--totp', code], configDir, 'whatever\n');
    expect(wrong.code).toBe(4);
    expect(unknown.code).toBe(4);
    expect(wrong.stderr).toBe(unknown.stderr);
    const after = await revmesh(['--profile', 'wrong', '--authority', authority.url, 'keys', 'list'], configDir);
    expect(after.code).toBe(4);
    expect(after.stderr).toContain('profile "wrong" has no stored credential');
  });
});
