import type { OutputStream } from '../io/cli-io';
import { formatDuration } from './text';

/** A status line for a wait, on stderr. */
export interface Progress {
  /** Shows the current state; `text` should not contain the elapsed time (it is added on a terminal). */
  update(text: string): void;
  /** Ends the line, replacing it with `text` when given. */
  done(text?: string): void;
}

const SPINNER = ['|', '/', '-', '\\'] as const;

/**
 * On a terminal: one line redrawn in place, with a spinner and the elapsed time. Elsewhere
 * (CI logs, a pipe): a new line only when the state changes, so a long wait does not flood the log.
 */
export function createProgress(stream: OutputStream, now: () => number): Progress {
  const started = now();
  let frame = 0;
  let last: string | undefined;
  let drawn = false;
  const tty = stream.isTTY === true;
  return {
    update(text) {
      if (tty) {
        const spin = SPINNER[frame++ % SPINNER.length] ?? '';
        stream.write(`\r\u001b[2K${spin} ${text} (${formatDuration(now() - started)})`);
        drawn = true;
      } else if (text !== last) {
        stream.write(`${text}\n`);
      }
      last = text;
    },
    done(text) {
      if (tty && drawn) stream.write('\r\u001b[2K');
      if (text !== undefined) stream.write(`${text}\n`);
      drawn = false;
    },
  };
}
