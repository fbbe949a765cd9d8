import { userInfo } from 'node:os';

/** What the authority's one-shot commands (`audit:verify`, `store:backup`, `store:restore`) read from their command line. */
export interface CommandLine {
  /** Prints `revmesh <command>: <message>` on stderr and exits with `code` (default: the command's failure code). */
  fail(message: string, code?: number): never;
  /** The value after `--name`, or undefined when the flag is absent; fails when the value is missing. */
  value(name: string): string | undefined;
  /** Whether a switch such as `--json` is present. */
  has(name: string): boolean;
  /**
   * `--data-dir`, else REVMESH_DATA_DIR; fails when neither is set, and when the environment's
   * store is PostgreSQL (REVMESH_DATABASE_URL) and no folder is named: these commands read SQLite.
   */
  dataDir(): string;
}

/**
 * @param command name in messages, e.g. `store-backup`
 * @param failureCode exit code of {@link CommandLine.fail} when none is given
 */
export function commandLine(command: string, failureCode: number, args: readonly string[] = process.argv.slice(2)): CommandLine {
  const fail = (message: string, code = failureCode): never => {
    process.stderr.write(`revmesh ${command}: ${message}\n`);
    process.exit(code);
  };
  const value = (name: string): string | undefined => {
    const i = args.indexOf(name);
    if (i === -1) return undefined;
    const found = args[i + 1];
    if (found === undefined || found.startsWith('--')) fail(`${name} needs a value`);
    return found;
  };
  return {
    fail,
    value,
    has: (name) => args.includes(name),
    dataDir: () => {
      const named = value('--data-dir');
      if (named === undefined && (process.env['REVMESH_DATABASE_URL'] ?? '') !== '') {
        return fail('REVMESH_DATABASE_URL is set, and this command works on a SQLite data folder only: name one with --data-dir (PostgreSQL: pg_dump, pg_restore, see docs/operations.md)');
      }
      const dir = named ?? process.env['REVMESH_DATA_DIR'];
      if (dir === undefined || dir === '') return fail('--data-dir (or REVMESH_DATA_DIR) is required');
      return dir;
    },
  };
}

/** The OS user running a command, recorded as the operator of what it changes (`unknown` without a passwd entry, as in some containers). */
export function osOperator(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
