import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import { createCredentialStore } from './config/credentials';
import { EXIT_CODE_TABLE } from './exit-codes';
import type { CliIo } from './io/cli-io';
import type { RunState } from './output/output';
import { buildProgram } from './program';
import { startFakeAuthority, type FakeAuthority } from './testing/fake-authority.spec-helper';
import { installOperatorRoutes, loginTo, runRevmesh, tempDir } from './testing/run-cli.spec-helper';

const TOKEN = 'program-spec-operator-token-0123456789abcdef';

function commandPaths(command: Command, prefix: string[] = []): string[][] {
  return command.commands.flatMap((c) => [[...prefix, c.name()], ...commandPaths(c, [...prefix, c.name()])]);
}

/** Port that was just free: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('revmesh program', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.cleanup());

  describe('help', () => {
    const state: RunState = { json: false, documentWritten: false };
    const io: CliIo = {
      stdout: { write: () => true },
      stderr: { write: () => true },
      stdin: Readable.from([]),
      env: {},
      fetch: () => Promise.reject(new Error('no requests while listing commands')),
      homeDir: '/nonexistent',
      now: () => 0,
      sleep: async () => undefined,
    };
    const program = buildProgram({ io, state });
    const paths = commandPaths(program).filter((p) => p.at(-1) !== 'help');

    it('covers the commands of the operator-security issue', () => {
      expect(paths.map((p) => p.join(' ')).sort()).toEqual([
        'admin',
        'admin bootstrap',
        'approvals',
        'approvals approve',
        'approvals deny',
        'approvals list',
        'approvals show',
        'approvals wait',
        'audit',
        'audit export',
        'audit verify',
        'clients',
        'clients add',
        'clients disable',
        'clients dpop',
        'clients enable',
        'clients list',
        'clients rotate-secret',
        'clients show',
        'drill',
        'drill run',
        'drill scenarios',
        'enrol',
        'event-signers',
        'event-signers pin',
        'event-signers rotate',
        'incident',
        'incident close',
        'incident comms',
        'incident comms list',
        'incident comms preview',
        'incident comms send',
        'incident follow-up',
        'incident follow-up add',
        'incident follow-up done',
        'incident follow-up list',
        'incident follow-up reopen',
        'incident link',
        'incident list',
        'incident open',
        'incident report',
        'incident show',
        'incident update',
        'instances',
        'instances list',
        'issuers',
        'issuers add',
        'issuers disable',
        'issuers enable',
        'issuers list',
        'keys',
        'keys calendar',
        'keys compromise',
        'keys list',
        'keys rollback',
        'keys rotate',
        'kill-switch',
        'kill-switch off',
        'kill-switch on',
        'kill-switch status',
        'login',
        'logout',
        'operators',
        'operators add',
        'operators disable',
        'operators enable',
        'operators enrolment-code',
        'operators list',
        'operators reset-second-factor',
        'operators role',
        'policy',
        'policy apply',
        'policy changelog',
        'policy show',
        'revocation',
        'revocation status',
        'revoke',
        'rotation',
        'rotation status',
        'sessions',
        'sessions list',
        'sessions revoke',
        'sessions show',
        'snapshots',
        'snapshots latest',
        'snapshots publish',
        'ssf',
        'ssf transmitters',
        'ssf transmitters add',
        'ssf transmitters list',
        'ssf transmitters pause',
        'ssf transmitters refresh',
        'ssf transmitters remove',
        'ssf transmitters resume',
        'ssf transmitters rotate-push-authorization',
        'ssf transmitters verify',
        'whoami',
      ]);
    });

    it.each(paths.map((p) => [p.join(' ')]))('"revmesh %s --help" exits 0 with examples', async (path) => {
      const run = await runRevmesh([...path.split(' '), '--help'], dir.path);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`Usage: revmesh ${path}`);
      expect(run.stdout).toMatch(/\nExamples:\n {2}\$ revmesh /);
      expect(run.stderr).toBe('');
    });

    it('documents every exit code and setting in the root help', async () => {
      const run = await runRevmesh(['--help'], dir.path);
      expect(run.code).toBe(0);
      for (const [code, meaning] of EXIT_CODE_TABLE) expect(run.stdout).toContain(`  ${code}  ${meaning}`);
      for (const name of [
        'REVMESH_AUTHORITY_URL',
        'REVMESH_PROFILE',
        'REVMESH_TIMEOUT_MS',
        'REVMESH_CONFIG_DIR',
        'REVMESH_JUSTIFICATION',
        'REVMESH_TOTP',
        'REVMESH_USERNAME',
        'REVMESH_BOOTSTRAP_TOKEN',
      ]) {
        expect(run.stdout).toContain(name);
      }
    });
  });

  describe('usage errors (exit 2)', () => {
    it.each([
      [['nope'], /unknown command 'nope'/],
      [['revoke', 'email', 'x', '--reason', 'r', '-j', 'why'], /argument 'target'.*jti, sub, client_id, sid/],
      [['revoke', 'jti', 'x'], /required option '--reason <text>' not specified; see revmesh revoke --help/],
      [['revoke', 'jti', 'x', '--reason', '   '], /must not be blank/],
      [['revoke', 'jti', 'x', '--reason', 'r', '-j', 'why', '--wait-timeout', '5'], /--wait-timeout only applies with --wait/],
      [['revoke', 'jti', 'x', '--reason', 'r'], /a justification is required: pass -j "<why>" \(or set REVMESH_JUSTIFICATION\)/],
      [['kill-switch', 'on', '--issued-at-or-before', 'yesterday', '-j', 'why'], /expected an ISO 8601 time with a zone/],
      [['approvals', 'list', '--state', 'open'], /argument 'open' is invalid.*pending, executing, executed, denied, expired, failed/],
      [['operators', 'add', 'bob', '-j', 'why'], /required option '--role <role>' not specified/],
      [['revoke', 'jti', 'x', '--reason', 'r', '--wait', '--wait-timeout', '-1'], /expected seconds/],
      [['--timeout', '1.5', 'keys', 'list'], /positive whole number of milliseconds/],
      [['keys'], /"revmesh keys" needs a subcommand/],
      [['keys', 'lst'], /unknown command 'lst'/],
    ])('%j', async (argv, message) => {
      const run = await runRevmesh(argv, dir.path);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(new RegExp(`^revmesh: usage error: .*${message.source}.*\\(code USAGE\\)$`, 'm'));
      expect(run.stdout).toBe('');
    });

    it('with --json, prints the error as the one JSON document on stdout', async () => {
      const run = await runRevmesh(['--json', 'revoke', 'jti', 'x'], dir.path);
      expect(run.code).toBe(2);
      expect(JSON.parse(run.stdout)).toEqual({
        error: { code: 'USAGE', title: 'usage error', detail: expect.stringContaining('--reason'), exit_code: 2 },
      });
    });

    it('says how to name an authority when nothing does', async () => {
      const run = await runRevmesh(['keys', 'list'], dir.path);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('no authority URL for profile "default": pass --authority <url>, set REVMESH_AUTHORITY_URL, or add "authority"');
    });
  });

  describe('config precedence, end to end', () => {
    let a: FakeAuthority;
    let b: FakeAuthority;
    beforeEach(async () => {
      [a, b] = await Promise.all([startFakeAuthority(), startFakeAuthority()]);
      for (const fake of [a, b]) {
        installOperatorRoutes(fake);
        fake.on('GET', '/v1/instances', { status: 200, body: { instances: [] } });
      }
    });
    afterEach(() => Promise.all([a.close(), b.close()]));

    it('sends to the flag over the env, the env over the profile file', async () => {
      await loginTo(b.url, dir.path);
      writeFileSync(join(dir.path, 'config.json'), JSON.stringify({ profiles: { default: { authority: a.url } } }));

      const fromFile = await runRevmesh(['instances', 'list'], dir.path);
      const fromEnv = await runRevmesh(['instances', 'list'], dir.path, { env: { REVMESH_AUTHORITY_URL: b.url } });
      const fromFlag = await runRevmesh(['--authority', b.url, 'instances', 'list'], dir.path, { env: { REVMESH_AUTHORITY_URL: a.url } });

      // The profile file names A, whose URL the stored credential is not for: refused, nothing sent.
      expect(fromFile.code).toBe(4);
      expect(fromFile.stderr).toContain(`not ${a.url}`);
      expect(fromEnv.code).toBe(0);
      expect(fromFlag.code).toBe(0);
      expect(a.requests).toHaveLength(0);
      expect(b.requests.filter((r) => r.path === '/v1/instances')).toHaveLength(2);
    });

    it('takes the timeout from the profile file', async () => {
      await loginTo(b.url, dir.path);
      writeFileSync(join(dir.path, 'config.json'), JSON.stringify({ profiles: { default: { timeout_ms: 50 } } }));
      b.on('GET', '/v1/instances', () => new Promise((resolve) => setTimeout(() => resolve({ status: 200, body: [] }), 1000)));

      const run = await runRevmesh(['instances', 'list'], dir.path);
      expect(run.code).toBe(3);
      expect(run.stderr).toContain('did not answer within 50 ms');
    });
  });

  describe('reaching the authority', () => {
    it('exits 6 naming the URL when nothing listens there', async () => {
      const url = `http://127.0.0.1:${await closedPort()}`;
      writeCredential(dir.path, url);
      const run = await runRevmesh(['--authority', url, 'keys', 'list'], dir.path);

      expect(run.code).toBe(6);
      expect(run.stderr).toMatch(new RegExp(`^revmesh: cannot reach the authority: ${url}/v1/keys: ECONNREFUSED.* \\(code AUTHORITY_UNREACHABLE\\)$`, 'm'));
      expect(run.stderr).not.toContain(TOKEN);
    });

    it('exits 6 with --json too, keeping stdout one document', async () => {
      const url = `http://127.0.0.1:${await closedPort()}`;
      writeCredential(dir.path, url);
      const run = await runRevmesh(['--json', '--authority', url, 'keys', 'list'], dir.path);

      expect(run.code).toBe(6);
      expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: 'AUTHORITY_UNREACHABLE', exit_code: 6 } });
    });

    it('exits 3 when a request outlasts --timeout', async () => {
      const hanging: Server = createServer(() => undefined);
      await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
      try {
        writeCredential(dir.path, url);
        const run = await runRevmesh(['--timeout', '100', '--authority', url, 'keys', 'list'], dir.path);
        expect(run.code).toBe(3);
        expect(run.stderr).toContain(`revmesh: request timed out: ${url}/v1/keys did not answer within 100 ms`);
      } finally {
        hanging.closeAllConnections();
        await new Promise<void>((resolve) => hanging.close(() => resolve()));
      }
    });

    it('warns when the credential would cross the network over plain http', async () => {
      const fake = await startFakeAuthority();
      try {
        fake.on('GET', '/v1/keys', { status: 200, body: { keys: [] } });
        // Route "authority.internal" to the fake, so the URL is plain http to a non-loopback name.
        const url = 'http://authority.internal:8080';
        writeCredential(dir.path, url);
        const viaFake: typeof fetch = (input, init) => fetch(String(input).replace(url, fake.url), init);
        const run = await runRevmesh(['--json', '--authority', url, 'keys', 'list'], dir.path, { fetch: viaFake });
        expect(run.code).toBe(0);
        expect(run.stderr).toContain('revmesh: warning: http://authority.internal:8080 is plain http to another host');
        expect(JSON.parse(run.stdout)).toEqual({ keys: [] });
      } finally {
        await fake.close();
      }
    });
  });
});

/** Stores a credential for `url` without a login round trip (for URLs nothing answers at). */
function writeCredential(configDir: string, url: string): void {
  createCredentialStore(join(configDir, 'credentials.json')).save('default', {
    type: 'operator',
    authority: url,
    username: 'alice',
    role: 'security-admin',
    token: TOKEN,
    expires_at: new Date(Date.now() + 3600_000).toISOString(),
    auth_time: null,
    saved_at: new Date().toISOString(),
  });
}
