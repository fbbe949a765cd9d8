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

/** Stores an admin-key credential for `authority` by running `revmesh login` against it. */
export async function loginTo(authorityUrl: string, configDir: string, adminKey: string, profile?: string): Promise<CliRun> {
  return runRevmesh([...(profile ? ['--profile', profile] : []), '--authority', authorityUrl, 'login', '--admin-key-stdin'], configDir, {
    stdin: `${adminKey}\n`,
  });
}

/** The admin key the logged-in fixture uses. */
export const TEST_ADMIN_KEY = 'spec-admin-key-0123456789abcdefghijklmnopq';

/** A fake authority and a config dir already logged in to it (default profile). */
export interface LoggedInFixture {
  readonly authority: FakeAuthority;
  readonly configDir: string;
  /** Runs revmesh with this config dir; requests recorded after login only. */
  run(argv: readonly string[], options?: RunOptions): Promise<CliRun>;
  close(): Promise<void>;
}

/** Starts a fake authority, logs in to it, and forgets the login request. */
export async function loggedInFixture(): Promise<LoggedInFixture> {
  const authority = await startFakeAuthority();
  authority.on('GET', '/v1/revocations/revmesh-cli-login-check', problem(404, 'NOT_FOUND', 'Not found', 'none'));
  const dir = tempDir();
  const login = await loginTo(authority.url, dir.path, TEST_ADMIN_KEY);
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
