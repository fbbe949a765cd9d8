import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/** Where `tools/schemathesis/install.sh` (run by `.ci/run`) puts schemathesis, then `PATH`. */
export function findSchemathesis(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const venv = resolve(__dirname, '../../../../.venv/schemathesis/bin/schemathesis');
  const candidates = [venv, ...(env['PATH'] ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'schemathesis'))];
  return candidates.find((candidate) => existsSync(candidate));
}

/** One `schemathesis run`: its exit status, its output, and the counts of its summary. */
export interface SchemathesisRun {
  readonly command: string;
  readonly exitCode: number | null;
  readonly output: string;
  /** "API Operations: … Tested: N" of the summary, if printed. */
  readonly operations: number | undefined;
  /** "Test cases: N generated" of the summary, if printed. */
  readonly testCases: number | undefined;
  /** Unique failures of the summary's last line ("N failures"), 0 when none is mentioned. */
  readonly failures: number;
  /** Errors of the summary's last line (schemathesis could not test an operation). */
  readonly errors: number;
}

function count(output: string, pattern: RegExp): number | undefined {
  const match = pattern.exec(output);
  return match === null ? undefined : Number(match[1]);
}

/** The repository's schemathesis configuration and hooks (tools/schemathesis). */
const TOOL_DIR = resolve(__dirname, '../../../../tools/schemathesis');

/**
 * Runs `schemathesis run` with the repository's configuration, hooks and `args`, in `cwd` (its
 * Hypothesis database and reports go there), with plain output; `env` adds variables (the hooks'
 * `REVMESH_FUZZ_STORE`: the authority's SQLite file, for the `no_state_change_after_4xx` check).
 */
export function runSchemathesis(binary: string, args: readonly string[], cwd: string, env: Readonly<Record<string, string>> = {}): Promise<SchemathesisRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(binary, ['--config-file', join(TOOL_DIR, 'schemathesis.toml'), 'run', ...args], {
      cwd,
      env: { ...process.env, ...env, NO_COLOR: '1', COLUMNS: '200', REVMESH_SCHEMATHESIS_HOOKS: join(TOOL_DIR, 'hooks.py') },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (exitCode) =>
      resolvePromise({
        command: `schemathesis run ${args.map((a) => (/\s/.test(a) ? `'${a.replace(/^(Authorization: \S+ ).*/i, '$1<token>')}'` : a)).join(' ')}`,
        exitCode,
        output,
        operations: count(output, /API Operations:[\s\S]*?Tested:\s*(\d+)/),
        testCases: count(output, /Test cases:\s*(\d+) generated/),
        failures: count(output, /=+ .*?(\d+) failures?\b.* =+\s*$/) ?? 0,
        errors: count(output, /=+ .*?(\d+) errors?\b.* =+\s*$/) ?? 0,
      }),
    );
  });
}
