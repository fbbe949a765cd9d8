import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

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
  readonly adminKey: string;
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
    REVMESH_ADMIN_KEY: randomBytes(32).toString('base64url'),
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
    adminKey: env.REVMESH_ADMIN_KEY,
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
function revmesh(args: readonly string[], configDir: string, stdin = ''): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI_MAIN, ...args], {
      env: { PATH: process.env['PATH'] ?? '', HOME: configDir, REVMESH_CONFIG_DIR: configDir },
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

describe('revmesh CLI against a real authority and broker', () => {
  let authority: Authority;
  let configDir: string;

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

  it('logs in with the admin key on stdin, revokes a jti, and shows it published', async () => {
    const login = await revmesh(['--authority', authority.url, 'login', '--admin-key-stdin'], configDir, `${authority.adminKey}\n`);
    expect(login).toMatchObject({ code: 0, stderr: '' });
    expect(login.stdout).toContain(`Logged in to ${authority.url}`);
    expect(statSync(join(configDir, 'credentials.json')).mode & 0o777).toBe(0o600);

    const token = await issueToken(authority);
    const jti = (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { jti: string }).jti;

    // No --authority from here on: the profile's credential says where.
    const revoke = await revmesh(['revoke', 'jti', jti, '--reason', 'cli integration test', '--json'], configDir);
    expect(revoke.code).toBe(0);
    const created = JSON.parse(revoke.stdout) as { id: string; target: string; value: string; reason: string };
    expect(created).toMatchObject({ target: 'jti', value: jti, reason: 'cli integration test' });

    // The relay publishes within a poll interval or two; the status command shows when.
    let status: CliResult | undefined;
    const deadline = Date.now() + 20_000;
    for (;;) {
      status = await revmesh(['revocation', 'status', created.id, '--json'], configDir);
      expect(status.code).toBe(0);
      const document = JSON.parse(status.stdout) as { revocation: { id: string; published: boolean; published_at: number | null }; coverage: unknown };
      expect(document.revocation.id).toBe(created.id);
      if (document.revocation.published) {
        expect(typeof document.revocation.published_at).toBe('number');
        break;
      }
      if (Date.now() > deadline) throw new Error(`revocation ${created.id} not published after 20 s:\n${authority.output().slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }

    const human = await revmesh(['revocation', 'status', created.id], configDir);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^id +${created.id}$`, 'm'));
    expect(human.stdout).toMatch(/^published +yes$/m);

    for (const run of [login, revoke, status, human]) expect(run.stdout + run.stderr).not.toContain(authority.adminKey);
  });

  it('answers an unknown revocation with exit 5 and one clear line', async () => {
    const run = await revmesh(['revocation', 'status', randomUUID()], configDir);
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(/^revmesh: Not found: no revocation with id ".*" \(code NOT_FOUND\)\n$/);
  });

  it('refuses a wrong admin key and stores nothing for that profile', async () => {
    const run = await revmesh(['--profile', 'wrong', '--authority', authority.url, 'login', '--admin-key-stdin'], configDir, 'not-the-admin-key-not-the-admin-key\n');
    expect(run.code).toBe(4);
    const after = await revmesh(['--profile', 'wrong', '--authority', authority.url, 'keys', 'list'], configDir);
    expect(after.code).toBe(4);
    expect(after.stderr).toContain('profile "wrong" has no stored credential');
  });
});
