import { InvalidArgumentError, type Command, type OptionValues } from 'commander';
import type { GlobalFlags } from '../config/settings';
import { createContext, type CommandContext } from '../context';
import type { CliIo } from '../io/cli-io';
import type { RunState } from '../output/output';

/** What every command registration needs: the injected I/O and the run's shared output state. */
export interface ProgramDeps {
  readonly io: CliIo;
  readonly state: RunState;
}

/** A command's implementation: positional arguments as strings, its own options typed by the caller. */
export type CommandHandler<O extends OptionValues> = (context: CommandContext, args: readonly string[], options: O) => Promise<void>;

/**
 * Adapts a handler to commander's action signature `(...args, options, command)` and gives it a
 * context built from the global flags wherever they were written on the command line.
 */
export function runs<O extends OptionValues>(deps: ProgramDeps, handler: CommandHandler<O>): (...raw: unknown[]) => Promise<void> {
  return async (...raw) => {
    const command = raw[raw.length - 1] as Command;
    const args = raw.slice(0, -2).filter((a): a is string => typeof a === 'string');
    const context = createContext(deps.io, command.optsWithGlobals<GlobalFlags>(), deps.state);
    await handler(context, args, command.opts<O>());
  };
}

/** Appends an "Examples:" section to a command's `--help`. */
export function withExamples(command: Command, examples: readonly string[]): Command {
  return command.addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
}

/** `--timeout <ms>`: a positive whole number of milliseconds. */
export function parseMilliseconds(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number of milliseconds');
  return n;
}

/** Longest `--wait-timeout`: a day; longer waits are a job for a scheduler, not a terminal. */
const MAX_WAIT_SECONDS = 86_400;

/** `--wait-timeout <s>`: seconds, fractions allowed. */
export function parseSeconds(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > MAX_WAIT_SECONDS) {
    throw new InvalidArgumentError(`expected seconds, more than 0 and at most ${MAX_WAIT_SECONDS}`);
  }
  return n;
}

/** `--reason <text>`: required by every write, and a blank one is as good as none. */
export function parseReason(value: string): string {
  const reason = value.trim();
  if (reason === '') throw new InvalidArgumentError('must not be blank: say why, it is recorded with the action');
  return reason;
}
