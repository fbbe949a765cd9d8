import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { UsageError } from '../errors';
import type { InputStream } from './cli-io';
import { promptLine, readPassword, readSecret } from './read-secret';

const stderr = () => {
  let text = '';
  return { write: (s: string) => (text += s), text: () => text };
};

/** A terminal stand-in: raw mode is recorded, keystrokes are emitted by the test. */
class FakeTty extends EventEmitter implements InputStream {
  readonly isTTY = true;
  readonly rawModes: boolean[] = [];
  setRawMode(mode: boolean) {
    this.rawModes.push(mode);
    return this;
  }
  override on(event: 'data', listener: (chunk: string | Buffer) => void) {
    return super.on(event, listener);
  }
  override off(event: 'data', listener: (chunk: string | Buffer) => void) {
    return super.off(event, listener);
  }
  resume() {
    return this;
  }
  pause() {
    return this;
  }
  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    // Never read as a stream: a terminal goes through the raw-mode path.
  }
}

describe('readSecret', () => {
  it('reads piped stdin and drops the trailing newline', async () => {
    await expect(readSecret(Readable.from(['s3cr', 'et\n']), stderr(), 'bootstrap token')).resolves.toBe('s3cret');
  });

  it.each([
    ['', /no bootstrap token on stdin/],
    ['  \n', /no bootstrap token on stdin/],
    ['a b\n', /only the bootstrap token/],
    ['a\nb\n', /only the bootstrap token/],
  ])('refuses %j', async (input, message) => {
    const read = readSecret(Readable.from([input]), stderr(), 'bootstrap token');
    await expect(read).rejects.toThrow(UsageError);
    await expect(readSecret(Readable.from([input]), stderr(), 'bootstrap token')).rejects.toThrow(message);
  });

  it('refuses something far too large to be a key', async () => {
    await expect(readSecret(Readable.from(['x'.repeat(20_000)]), stderr(), 'bootstrap token')).rejects.toThrow(/more than 16384 bytes/);
  });

  it('at a terminal, reads one hidden line with backspace, and restores the terminal', async () => {
    const tty = new FakeTty();
    const err = stderr();
    const secret = readSecret(tty, err, 'bootstrap token');
    tty.emit('data', 'abx');
    tty.emit('data', '\u007fc\r');

    await expect(secret).resolves.toBe('abc');
    expect(tty.rawModes).toEqual([true, false]);
    expect(err.text()).toBe('bootstrap token (input hidden): \n');
    expect(tty.listenerCount('data')).toBe(0);
  });

  it('at a terminal, Ctrl-C cancels', async () => {
    const tty = new FakeTty();
    const secret = readSecret(tty, stderr(), 'bootstrap token');
    tty.emit('data', 'ab\u0003');
    await expect(secret).rejects.toThrow('cancelled');
    expect(tty.rawModes).toEqual([true, false]);
  });

  it('readPassword keeps spaces, drops one trailing newline, and refuses more than one line', async () => {
    await expect(readPassword(Readable.from([' pass phrase \n']), stderr())).resolves.toBe(' pass phrase ');
    await expect(readPassword(Readable.from(['one\ntwo\n']), stderr())).rejects.toThrow(/more than one line/);
    await expect(readPassword(Readable.from(['\n']), stderr())).rejects.toThrow(/no password on stdin/);
  });

  it('promptLine echoes a visible answer (with backspace) and refuses a stdin that is not a terminal', async () => {
    const tty = new FakeTty();
    const err = stderr();
    const answer = promptLine(tty, err, 'operator name: ', { hidden: false });
    tty.emit('data', 'alx\u007fice\r');
    await expect(answer).resolves.toBe('alice');
    expect(err.text()).toBe('operator name: alx\b \bice\n');
    expect(() => promptLine(Readable.from([]), stderr(), 'operator name: ', { hidden: false })).toThrow('cannot ask for operator name: stdin is not a terminal');
  });
});
