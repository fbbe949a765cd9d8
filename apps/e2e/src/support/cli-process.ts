import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { generate } from 'otplib';
import { REPO_ROOT, type AuthorityHandle } from './authority-process';

/** The built CLI, as `npx revmesh` runs it. */
export const CLI_MAIN = join(REPO_ROOT, 'apps/cli/dist/main.js');

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `revmesh <args>` as a child process with its own config folder (and HOME), feeding `stdin`. */
export function runRevmesh(args: readonly string[], configDir: string, stdin = ''): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI_MAIN, ...args], {
      env: { PATH: process.env['PATH'] ?? '', HOME: configDir, REVMESH_CONFIG_DIR: configDir },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** TOTP time step, ms. */
const TOTP_STEP_MS = 30_000;

/**
 * Logs the CLI in as the authority's bootstrapped admin with password and TOTP, as a person
 * would. The admin's own login used the current TOTP step and the authority accepts a step once,
 * so this waits for the next step (at most 30 s; run it alongside slower set-up).
 */
export async function loginCliAsAdmin(authority: AuthorityHandle, configDir: string): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, TOTP_STEP_MS - (Date.now() % TOTP_STEP_MS) + 250));
  const totp = await generate({ secret: authority.admin.totpSecret });
  const login = await runRevmesh(
    ['--authority', authority.url, 'login', '--username', authority.admin.username, '--password-stdin', '--totp', totp],
    configDir,
    `${authority.admin.password}\n`,
  );
  if (login.code !== 0) throw new Error(`revmesh login failed (exit ${login.code}): ${login.stderr}`);
}
