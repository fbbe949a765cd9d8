import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './authority-process';

/** How a program run to its end exited. */
export interface Exit {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to its end (60 s at most) with PATH and `env` only. */
export function run(file: string, args: readonly string[], env: Record<string, string> = {}): Promise<Exit> {
  return new Promise((resolve) => {
    execFile(file, args, { env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

/** One of the authority's one-shot commands (`apps/authority/dist/<script>`), as `npm run` runs it. */
export const runCommand = (script: string, args: readonly string[], env: Record<string, string>): Promise<Exit> =>
  run(process.execPath, [join(REPO_ROOT, 'apps/authority/dist', script), ...args], env);
