import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { CliIo, InputStream } from '../io/cli-io';
import { runCli } from '../program';
import { problem, startFakeAuthority, type FakeAuthority } from './fake-authority.spec-helper';

/** What one in-process run produced. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Piped stdin content, or a ready-made stream. Default: empty. */
  readonly stdin?: string | InputStream;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly pollIntervalMs?: number;
  readonly stderrIsTTY?: boolean;
}

/** A temporary config dir; `cleanup` removes it. */
export function tempDir(prefix = 'revmesh-cli-test-'): { readonly path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Runs `revmesh <argv>` in-process with captured stdout/stderr and `REVMESH_CONFIG_DIR` set to
 * `configDir` (so the real home directory is never touched).
 */
export async function runRevmesh(argv: readonly string[], configDir: string, options: RunOptions = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk), isTTY: options.stderrIsTTY ?? false },
    stdin: typeof options.stdin === 'object' ? options.stdin : Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    env: { REVMESH_CONFIG_DIR: configDir, ...options.env },
    fetch: options.fetch ?? globalThis.fetch,
    homeDir: join(configDir, 'home-not-used'),
    now: options.now ?? (() => Date.now()),
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    pollIntervalMs: options.pollIntervalMs ?? 5,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

/** The operator the fake authority knows (see {@link installOperatorRoutes}). */
export interface TestOperator {
  readonly username: string;
  readonly role: string;
  readonly password: string;
  readonly totp: string;
  /** The token login answers with. */
  readonly token: string;
}

/** The operator the logged-in fixture uses. */
export const TEST_OPERATOR: TestOperator = {
  username: 'alice',
  role: 'security-admin',
  password: 'correct horse battery staple',
  totp: '123456',
  token: 'spec-operator-token-0123456789abcdefghijklmnop',
};

/** The token a successful step-up answers with. */
export const STEPPED_UP_TOKEN = `${TEST_OPERATOR.token}-stepped-up`;

/** A login / step-up answer shaped like the authority's. */
export function sessionBody(operator: TestOperator, token: string, expiresIn = 3600): Record<string, unknown> {
  return { token, tokenType: 'Bearer', expiresIn, authTime: '2026-11-27T01:00:00.000Z', operator: { username: operator.username, role: operator.role } };
}

/**
 * Teaches a fake authority operator login like the real one: `POST /v1/login` (the same
 * INVALID_CREDENTIALS for any wrong field), `/v1/login/step-up` (bearer + TOTP → a new token),
 * `/v1/logout` (204) and `GET /v1/me`.
 */
export function installOperatorRoutes(authority: FakeAuthority, operator: TestOperator = TEST_OPERATOR): void {
  const invalid = problem(401, 'INVALID_CREDENTIALS', 'Invalid credentials', 'the user name, password or TOTP code is not valid');
  authority.on('POST', '/v1/login', (request) => {
    const body = request.body as Record<string, unknown> | undefined;
    const ok = body?.['username'] === operator.username && body['password'] === operator.password && body['totp'] === operator.totp;
    return ok ? { status: 200, body: sessionBody(operator, operator.token) } : invalid;
  });
  authority.on('POST', '/v1/login/step-up', (request) => {
    const body = request.body as Record<string, unknown> | undefined;
    if (request.headers.authorization !== `Bearer ${operator.token}`) return problem(401, 'UNAUTHORIZED', 'Authentication required', 'no session');
    return body?.['totp'] === operator.totp ? { status: 200, body: sessionBody(operator, STEPPED_UP_TOKEN) } : invalid;
  });
  authority.on('POST', '/v1/logout', { status: 204 });
  authority.on('GET', '/v1/me', {
    status: 200,
    body: { username: operator.username, role: operator.role, authTime: '2026-11-27T01:00:00.000Z', sessionExpiresAt: '2026-11-27T02:00:00.000Z' },
  });
}

/** Logs in to `authority` as `operator` with `revmesh login -u … --password-stdin --totp …`. */
export async function loginTo(authorityUrl: string, configDir: string, operator: TestOperator = TEST_OPERATOR, profile?: string): Promise<CliRun> {
  return runRevmesh(
    [...(profile ? ['--profile', profile] : []), '--authority', authorityUrl, 'login', '--username', operator.username, '--password-stdin', '--totp', operator.totp],
    configDir,
    { stdin: `${operator.password}\n` },
  );
}

/** A fake authority and a config dir already logged in to it (default profile). */
export interface LoggedInFixture {
  readonly authority: FakeAuthority;
  readonly configDir: string;
  /** Runs revmesh with this config dir; requests recorded after login only. */
  run(argv: readonly string[], options?: RunOptions): Promise<CliRun>;
  close(): Promise<void>;
}

/** Starts a fake authority that knows {@link TEST_OPERATOR}, logs in to it, and forgets the login request. */
export async function loggedInFixture(): Promise<LoggedInFixture> {
  const authority = await startFakeAuthority();
  installOperatorRoutes(authority);
  const dir = tempDir();
  const login = await loginTo(authority.url, dir.path);
  if (login.code !== 0) throw new Error(`login failed: ${login.stderr}`);
  authority.requests.length = 0;
  return {
    authority,
    configDir: dir.path,
    run: (argv, options) => runRevmesh(argv, dir.path, options),
    close: async () => {
      await authority.close();
      dir.cleanup();
    },
  };
}
