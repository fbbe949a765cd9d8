import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import type { CliIo } from './io/cli-io';
import { buildProgram } from './program';
import { markdownCodeTexts } from './testing/markdown-code.spec-helper';

const README = join(resolve(__dirname, '..', '..', '..'), 'README.md');
/** Pages beside the README whose `revmesh` commands are held to the same check. */
const DOCS = ['docs/operations.md'].map((page) => join(resolve(__dirname, '..', '..', '..'), page));

/** Flags of the root program, valid after any command. */
const GLOBAL_WITH_VALUE = new Set(['--authority', '--profile', '--timeout']);
const GLOBAL_SWITCHES = new Set(['--json']);

/**
 * Every `revmesh …` command line the README shows: in code blocks (a line starting with
 * `revmesh`, `npx revmesh` or `VAR=… revmesh`) and in inline code spans. `a | b` alternatives
 * become two lines.
 */
function readmeCommandLines(markdown: string): string[] {
  const candidates = markdownCodeTexts(markdown);
  return candidates
    .map((text) => text.replace(/#.*$/, '').replace(/^export \w+="\$\(/, '').replace(/\)"$/, '').trim())
    .map((text) => text.replace(/^(\w+=\S+\s+)+/, '').replace(/^npx\s+/, ''))
    .filter((text) => /^revmesh\s+[a-z-]/.test(text))
    .flatMap((text) => text.split(/\s+\|\s+(?=[a-z])/).map((part) => (part.startsWith('revmesh ') ? part : `revmesh ${part}`)));
}

/** Words of a command line, without quotes, brackets or placeholders' punctuation. */
function words(line: string): string[] {
  return (line.match(/"[^"]*"|'[^']*'|\S+/g) ?? []).map((w) => w.replace(/^\[|\]$/g, ''));
}

/** The first problem of `line` against the program, or undefined when it names a real command with real options. */
function problemOf(program: Command, line: string): string | undefined {
  let command = program;
  const rest = words(line).slice(1);
  let i = 0;
  for (; i < rest.length; i++) {
    const word = rest[i]!;
    if (GLOBAL_WITH_VALUE.has(word)) {
      i++;
      continue;
    }
    if (GLOBAL_SWITCHES.has(word)) continue;
    if (word.startsWith('-')) break;
    const sub = command.commands.find((c) => c.name() === word);
    if (sub === undefined) break;
    command = sub;
  }
  if (command === program) return `no such command: ${rest[i] ?? '(none)'}`;
  if (command.commands.length > 0) {
    return `"${command.name()}" needs a subcommand`;
  }
  for (const word of rest.slice(i)) {
    if (!/^--?[a-z]/.test(word)) continue;
    const flag = word.split('=')[0]!;
    const known = [...command.options, ...program.options].some((o) => o.long === flag || o.short === flag);
    if (!known) return `"${command.name()}" has no option ${flag}`;
  }
  return undefined;
}

describe('the README', () => {
  const io: CliIo = {
    stdout: { write: () => true },
    stderr: { write: () => true, isTTY: false },
    stdin: Readable.from([]),
    env: {},
    fetch: () => Promise.reject(new Error('no requests')),
    homeDir: '/nonexistent',
    now: () => 0,
    sleep: async () => undefined,
  };
  const program = buildProgram({ io, state: { json: false, documentWritten: false } });
  const lines = readmeCommandLines(readFileSync(README, 'utf8'));
  const docLines = DOCS.flatMap((page) => readmeCommandLines(readFileSync(page, 'utf8')));

  it('shows revmesh commands, including the sidecar set-up ones', () => {
    expect(lines.length).toBeGreaterThan(30);
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^revmesh .*event-signers pin/), expect.stringMatching(/^revmesh clients add /)]));
  });

  it('catches a command that does not exist, a group without its subcommand and an unknown option', () => {
    expect(problemOf(program, 'revmesh keys lst')).toBe('"keys" needs a subcommand');
    expect(problemOf(program, 'revmesh kes list')).toBe('no such command: kes');
    expect(problemOf(program, 'revmesh keys list --bogus')).toBe('"list" has no option --bogus');
    expect(problemOf(program, 'revmesh --json --authority https://a.example keys list')).toBeUndefined();
  });

  it.each([...lines, ...docLines].map((line) => [line]))('%s: the command and its options exist', (line) => {
    expect(problemOf(program, line)).toBeUndefined();
  });
});
