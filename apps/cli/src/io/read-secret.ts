import { UsageError } from '../errors';
import type { InputStream, OutputStream } from './cli-io';

/** A secret longer than this is not a key but the wrong file piped in. */
const MAX_SECRET_BYTES = 16 * 1024;

function toText(chunk: string | Buffer): string {
  return typeof chunk === 'string' ? chunk : chunk.toString('utf8');
}

/** Reads a piped stdin to its end. */
async function readAll(stdin: InputStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += toText(chunk);
    if (text.length > MAX_SECRET_BYTES) throw new UsageError(`stdin holds more than ${MAX_SECRET_BYTES} bytes; pipe only the key`);
  }
  return text;
}

/** A terminal stdin: raw mode lets a line be read without echo. */
type Terminal = InputStream & Required<Pick<InputStream, 'setRawMode' | 'on' | 'off'>>;

/** Whether stdin is a terminal the CLI can ask a person at. */
export function isTerminal(stdin: InputStream): stdin is Terminal {
  return stdin.isTTY === true && stdin.setRawMode !== undefined && stdin.on !== undefined && stdin.off !== undefined;
}

/**
 * Asks the person at the terminal for one line (`hidden`: typed without echo). Callers check
 * {@link isTerminal} first; without a terminal there is nobody to ask.
 */
export function promptLine(stdin: InputStream, stderr: OutputStream, prompt: string, options: { readonly hidden: boolean }): Promise<string> {
  if (!isTerminal(stdin)) throw new UsageError(`cannot ask for ${prompt.replace(/[:\s]+$/, '')}: stdin is not a terminal`);
  return readRawLine(stdin, stderr, prompt, !options.hidden);
}

/**
 * Reads one line from a terminal with echo off, so the secret is neither in shell history nor
 * on screen. Enter ends it, Ctrl-C cancels, Backspace edits.
 */
function readRawLine(stdin: Terminal, stderr: OutputStream, prompt: string, echo = false): Promise<string> {
  stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let line = '';
    const finish = (error?: UsageError) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause?.();
      stderr.write('\n');
      if (error) reject(error);
      else resolve(line);
    };
    const onData = (chunk: string | Buffer) => {
      for (const char of toText(chunk)) {
        if (char === '\r' || char === '\n' || char === '\u0004') return finish();
        if (char === '\u0003') return finish(new UsageError('cancelled'));
        if (char === '\u007f' || char === '\b') {
          if (echo && line !== '') stderr.write('\b \b');
          line = line.slice(0, -1);
        } else {
          line += char;
          if (echo) stderr.write(char);
        }
      }
    };
    stdin.setRawMode(true);
    stdin.on('data', onData);
    stdin.resume?.();
  });
}

/**
 * Reads a secret from stdin: the whole piped input, or a hidden line typed at a terminal.
 * Surrounding whitespace (the newline `echo` adds) is dropped; whitespace inside is refused,
 * because it means more than one value was piped in.
 *
 * @param what - names the secret in messages, e.g. "bootstrap token".
 * @throws {UsageError} when stdin is empty or holds more than one token.
 */
export async function readSecret(stdin: InputStream, stderr: OutputStream, what: string): Promise<string> {
  const raw = isTerminal(stdin) ? await readRawLine(stdin, stderr, `${what} (input hidden): `) : await readAll(stdin);
  const secret = raw.trim();
  if (secret === '') throw new UsageError(`no ${what} on stdin: pipe it in, e.g. ... | revmesh <command> (or < file)`);
  if (/\s/.test(secret)) throw new UsageError(`stdin must hold only the ${what}: found whitespace inside it`);
  return secret;
}

/**
 * Reads a password from stdin: the whole piped input minus one trailing newline, or a hidden
 * line typed at a terminal. Spaces are kept (they may be part of a passphrase); more than one
 * line is refused.
 *
 * @throws {UsageError} when stdin is empty or holds more than one line.
 */
export async function readPassword(stdin: InputStream, stderr: OutputStream, what = 'password'): Promise<string> {
  const raw = isTerminal(stdin) ? await readRawLine(stdin, stderr, `${what} (input hidden): `) : await readAll(stdin);
  const password = raw.replace(/\r?\n$/, '');
  if (password === '') throw new UsageError(`no ${what} on stdin: pipe it in, e.g. revmesh login --password-stdin < password-file`);
  if (/[\r\n]/.test(password)) throw new UsageError(`stdin must hold only the ${what}: found more than one line`);
  return password;
}
