import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { UsageError } from '../errors';
import type { InputStream } from './cli-io';
import { readSecret } from './read-secret';

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
    await expect(readSecret(Readable.from(['s3cr', 'et\n']), stderr(), 'admin key')).resolves.toBe('s3cret');
  });

  it.each([
    ['', /no admin key on stdin/],
    ['  \n', /no admin key on stdin/],
    ['a b\n', /only the admin key/],
    ['a\nb\n', /only the admin key/],
  ])('refuses %j', async (input, message) => {
    const read = readSecret(Readable.from([input]), stderr(), 'admin key');
    await expect(read).rejects.toThrow(UsageError);
    await expect(readSecret(Readable.from([input]), stderr(), 'admin key')).rejects.toThrow(message);
  });

  it('refuses something far too large to be a key', async () => {
    await expect(readSecret(Readable.from(['x'.repeat(20_000)]), stderr(), 'admin key')).rejects.toThrow(/more than 16384 bytes/);
  });

  it('at a terminal, reads one hidden line with backspace, and restores the terminal', async () => {
    const tty = new FakeTty();
    const err = stderr();
    const secret = readSecret(tty, err, 'admin key');
    tty.emit('data', 'abx');
    tty.emit('data', '\u007fc\r');

    await expect(secret).resolves.toBe('abc');
    expect(tty.rawModes).toEqual([true, false]);
    expect(err.text()).toBe('admin key (input hidden): \n');
    expect(tty.listenerCount('data')).toBe(0);
  });

  it('at a terminal, Ctrl-C cancels', async () => {
    const tty = new FakeTty();
    const secret = readSecret(tty, stderr(), 'admin key');
    tty.emit('data', 'ab\u0003');
    await expect(secret).rejects.toThrow('cancelled');
    expect(tty.rawModes).toEqual([true, false]);
  });
});
