import { homedir } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import type { CliIo } from './cli-io';

/** The real process: its streams, environment, global `fetch` and clock. */
export function nodeIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    fetch: globalThis.fetch,
    homeDir: homedir(),
    now: () => Date.now(),
    sleep: (ms) => delay(ms),
  };
}
