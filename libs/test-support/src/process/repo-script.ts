import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** Exit status and output of one run of a repository script (e.g. `deploy/local-kafka/kafka.sh`). */
export interface ScriptResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Walks up from this file to the directory holding nx.json (works from src/ and dist/). */
export function findRepoRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'nx.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no nx.json above ${__dirname}: cannot find the revmesh repo root`);
  }
}

/**
 * Runs `bash <script> <command>` from the script's folder with `env` (default: this process's environment).
 * Resolves with the exit status whatever it is; rejects only if the script could not run to
 * completion (spawn failure, or `timeoutMs` passed).
 */
export function runRepoScript(script: string, command: string, timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [script, command],
      { cwd: path.dirname(script), env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          // Spawn failure or the backstop timeout (code is then null/a string), not a script exit status.
          reject(new Error(`bash ${script} ${command} did not run to completion: ${error.message}\n${stderr}${stdout}`));
          return;
        }
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

/** The last non-blank line of `text`, trimmed ('' if none): what the deploy scripts print as their result. */
export function lastLine(text: string): string {
  const lines = text.split('\n').map((line) => line.trim()).filter((line) => line.length > 0);
  return lines.at(-1) ?? '';
}
