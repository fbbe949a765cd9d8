import { execFile } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './authority-process';

const run = promisify(execFile);

/** Environment of the commands run in the scratch project: no npm_* of the workspace's own npm run. */
function cleanEnv(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy', 'npm_config_registry', 'npm_config_cache'];
  return Object.fromEntries(keep.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]!]])));
}

/** Output of a command, or an error carrying its stdout and stderr (a failed `tsc` lists its errors there). */
export async function runIn(cwd: string, command: string, args: readonly string[], timeoutMs = 300_000): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(command, [...args], { cwd, env: cleanEnv(), timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}: ${failed.message}\n${failed.stdout ?? ''}\n${failed.stderr ?? ''}`);
  }
}

/** `npm run pack:sidecar`'s work: the path of the one tarball it wrote to dist/packages/. */
export async function packSidecar(): Promise<string> {
  const { stdout } = await runIn(REPO_ROOT, process.execPath, [join(REPO_ROOT, 'tools/pack-sidecar/pack-sidecar.mjs')]);
  const tarball = stdout.split('\n').find((line) => line.endsWith('.tgz'));
  if (tarball === undefined) throw new Error(`pack:sidecar printed no tarball path:\n${stdout}`);
  return tarball.trim();
}

/** A folder under the OS temp dir, never inside the repository (a workspace symlink would hide packaging mistakes). */
export function scratchFolder(prefix: string): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  if (!relative(realpathSync(REPO_ROOT), dir).startsWith('..')) throw new Error(`${dir} is inside the repository ${REPO_ROOT}`);
  return dir;
}

/** Every symbolic link under `dir` whose target resolves into `root`, as `link -> target`. */
export function linksInto(dir: string, root: string): string[] {
  const realRoot = realpathSync(root);
  const found: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isSymbolicLink()) {
        let target: string;
        try {
          target = realpathSync(path);
        } catch {
          continue; // dangling: points nowhere, so not into the repository either
        }
        if (target === realRoot || target.startsWith(realRoot + sep)) found.push(`${path} -> ${target}`);
      } else if (entry.isDirectory()) {
        walk(path);
      }
    }
  };
  if (lstatSync(dir).isDirectory()) walk(dir);
  return found;
}

/** Writes `tsconfig.<name>.json` in `dir` and returns its file name. */
export function writeTsconfig(dir: string, name: string, compilerOptions: Record<string, unknown>, files: readonly string[]): string {
  const file = `tsconfig.${name}.json`;
  writeFileSync(join(dir, file), `${JSON.stringify({ compilerOptions, files }, null, 2)}\n`);
  return file;
}

/**
 * The first ```ts block of a README section, verbatim: what a reader pastes.
 * @throws when the section or its block is missing.
 */
export function readmeBlock(heading: string): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no section "${heading}"`);
  const end = readme.indexOf('\n## ', start + heading.length);
  const block = /\n```ts\n([\s\S]*?)\n```\n/.exec(readme.slice(start, end < 0 ? undefined : end));
  if (block === null) throw new Error(`README.md's "${heading}" has no ts code block`);
  return `${block[1]}\n`;
}
