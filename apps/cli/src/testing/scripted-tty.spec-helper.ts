import { EventEmitter } from 'node:events';
import type { InputStream } from '../io/cli-io';

/**
 * A terminal stand-in that types `lines` one by one: each time the CLI starts reading a line
 * (attaches its listener), the next line is "typed" followed by Enter. Records raw-mode changes.
 */
export class ScriptedTty extends EventEmitter implements InputStream {
  readonly isTTY = true;
  readonly rawModes: boolean[] = [];
  private readonly queue: string[];

  constructor(lines: readonly string[]) {
    super();
    this.queue = [...lines];
  }

  /** Lines not typed yet. */
  get remaining(): readonly string[] {
    return this.queue;
  }

  setRawMode(mode: boolean) {
    this.rawModes.push(mode);
    return this;
  }
  override on(event: 'data', listener: (chunk: string | Buffer) => void) {
    super.on(event, listener);
    const next = this.queue.shift();
    if (next !== undefined) setImmediate(() => this.emit('data', `${next}\r`));
    return this;
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
