/** Where the CLI writes text: `process.stdout` / `process.stderr`, or a buffer in tests. */
export interface OutputStream {
  write(chunk: string): unknown;
  /** True when a person is watching: progress then redraws one line instead of appending. */
  readonly isTTY?: boolean;
}

/** Where the CLI reads a secret from: `process.stdin`, or a `Readable` in tests. */
export interface InputStream extends AsyncIterable<string | Buffer> {
  readonly isTTY?: boolean;
  /** Present on a terminal: lets the secret be typed without echo. */
  setRawMode?(mode: boolean): unknown;
  on?(event: 'data', listener: (chunk: string | Buffer) => void): unknown;
  off?(event: 'data', listener: (chunk: string | Buffer) => void): unknown;
  resume?(): unknown;
  pause?(): unknown;
}

/**
 * Everything the CLI touches outside its own memory. `main.ts` passes the real process; tests
 * pass buffers, a temporary config dir and a local fake authority, and drive the program
 * in-process.
 */
export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly stdin: InputStream;
  /** Read for `REVMESH_*` settings; never written. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly fetch: typeof fetch;
  /** Home directory, for the default `~/.config/revmesh`. */
  readonly homeDir: string;
  /** Overrides every other way of choosing the config directory (tests). */
  readonly configDir?: string;
  /** Epoch milliseconds. */
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** How often `--wait` polls the authority, ms. Default {@link DEFAULT_POLL_INTERVAL_MS}. */
  readonly pollIntervalMs?: number;
}

/** Default `--wait` poll interval: frequent enough to show sub-second coverage, cheap for the authority. */
export const DEFAULT_POLL_INTERVAL_MS = 250;
