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

/**
 * Reads one line from a terminal with echo off, so the secret is neither in shell history nor
 * on screen. Enter ends it, Ctrl-C cancels, Backspace edits.
 */
function readHiddenLine(stdin: InputStream & Required<Pick<InputStream, 'setRawMode' | 'on' | 'off'>>, stderr: OutputStream, prompt: string): Promise<string> {
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
        if (char === '\u007f' || char === '\b') line = line.slice(0, -1);
        else line += char;
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
 * @param what - names the secret in messages, e.g. "admin key".
 * @throws {UsageError} when stdin is empty or holds more than one token.
 */
export async function readSecret(stdin: InputStream, stderr: OutputStream, what: string): Promise<string> {
  const raw =
    stdin.isTTY === true && stdin.setRawMode && stdin.on && stdin.off
      ? await readHiddenLine(stdin as InputStream & Required<Pick<InputStream, 'setRawMode' | 'on' | 'off'>>, stderr, `${what} (input hidden): `)
      : await readAll(stdin);
  const secret = raw.trim();
  if (secret === '') throw new UsageError(`no ${what} on stdin: pipe it in, e.g. revmesh login --admin-key-stdin < key-file`);
  if (/\s/.test(secret)) throw new UsageError(`stdin must hold only the ${what}: found whitespace inside it`);
  return secret;
}
