import { closeSync, fsync, openSync } from 'node:fs';
import { StoreError, StoreUnavailableError } from '../errors/errors';
import { STORE_RETRY_AFTER_SECONDS } from './store-availability';

/**
 * Flushes SQLite's write-ahead log to disk off the event loop, for commits made with
 * `synchronous = NORMAL` (WAL frames handed to the OS, no fsync): the group commit answers its
 * callers only once a flush that started after its commit has completed.
 *
 * Why this keeps the power-loss guarantee of `synchronous = FULL`:
 * - `fsync` works on the file, not the descriptor: on our own descriptor of `<db>-wal` it writes
 *   out every dirty page of that file, including the frames SQLite's descriptor wrote. A flush
 *   started after a commit returned (its frames were written by then, on this thread) covers them.
 * - WAL frames are appended in order and each commit ends with a commit frame, so a flushed log
 *   holds every commit up to the last flushed one; recovery after a power cut replays exactly
 *   those (a commit whose frames did not all reach the disk is ignored, and nobody was told it
 *   was stored).
 * - Checkpoints: with `synchronous = NORMAL` SQLite still fsyncs the log before copying it into
 *   the database and fsyncs the database after (on the thread that commits, as before), so frames
 *   that a checkpoint copies are durable in the database before the log may be reused.
 * - Log reuse: after a complete checkpoint SQLite writes the next frames from the start of the
 *   SAME file (new salt in its header; it is truncated, still the same file, only when
 *   `journal_size_limit` or a TRUNCATE checkpoint asks, neither of which the store uses). The file
 *   is unlinked only when the last connection closes, after the last flush (the store's close).
 *   So one descriptor, opened once, stays the log's for the store's life.
 * - A failed fsync may have dropped the dirty pages (Linux marks them clean and reports the error
 *   once): whatever it covered may be gone, and a later "successful" fsync proves nothing, since
 *   recovery stops at the first missing frame. So a failure is final: every commit waiting for
 *   it, or for any later flush, is refused, and {@link WalSync.failure} stays set until the
 *   authority restarts (its recovery then reads what really is on disk).
 */
export interface WalSync {
  /**
   * Called right after a commit that did not fsync: resolves once a flush started after this call
   * has completed. Commits made while a flush runs share the next one.
   * @throws never; the promise rejects with {@link failure} when a flush fails.
   */
  afterCommit(): Promise<void>;
  /** Resolves once every commit announced with {@link afterCommit} so far is on disk (at once if none waits). */
  durable(): Promise<void>;
  /** The error of the flush that failed, if one did: from then on every promise rejects with it. */
  readonly failure: StoreUnavailableError | undefined;
  /** Closes the descriptor, at once or when the flushes in flight end. Idempotent. */
  close(): void;
}

/** Flushes the file behind `fd` to disk. Default: `fs.fsync` on libuv's thread pool. */
export type FileSync = (fd: number) => Promise<void>;

export interface WalSyncOptions {
  /** Path of the log (`<database>-wal`). Opened (read-only: fsync needs no write access) at the first flush. */
  readonly walPath: string;
  /** Replaces `fs.fsync` (tests: a delayed or failing flush). */
  readonly fsync?: FileSync;
  /** Called once when a flush fails, with the error every later write gets. */
  readonly onFailure?: (error: StoreUnavailableError) => void;
}

const nodeFsync: FileSync = (fd) => new Promise((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));

export function createWalSync(options: WalSyncOptions): WalSync {
  const sync = options.fsync ?? nodeFsync;
  let fd: number | undefined;
  let failure: StoreUnavailableError | undefined;
  /** The flush in flight. */
  let running: Promise<void> | undefined;
  /** Commits made while `running` was in flight: they wait for the flush after it. */
  let next: { promise: Promise<void>; settle: (flush: Promise<void>) => void } | undefined;
  let closed = false;

  function closeIfIdle(): void {
    if (!closed || running !== undefined || fd === undefined) return;
    closeSync(fd);
    fd = undefined;
  }

  function fail(error: unknown): StoreUnavailableError {
    if (failure === undefined) {
      const cause = new StoreError(`fsync of ${options.walPath} failed: the last commits may not be on disk; restart the authority (its recovery keeps what is)`, { cause: error });
      failure = new StoreUnavailableError('I/O error', STORE_RETRY_AFTER_SECONDS, { cause });
      options.onFailure?.(failure);
    }
    return failure;
  }

  function flush(): Promise<void> {
    const flushing = (async () => {
      try {
        fd ??= openSync(options.walPath, 'r');
        await sync(fd);
      } catch (error) {
        throw fail(error);
      }
      if (failure !== undefined) throw failure;
    })();
    running = flushing;
    const done = (): void => {
      running = undefined;
      const waiting = next;
      next = undefined;
      waiting?.settle(failure === undefined ? flush() : Promise.reject(failure));
      closeIfIdle();
    };
    flushing.then(done, done);
    return flushing;
  }

  return {
    afterCommit() {
      if (failure !== undefined) return Promise.reject(failure);
      if (running === undefined) return flush();
      if (next === undefined) {
        let settle!: (flush: Promise<void>) => void;
        const promise = new Promise<void>((resolve) => (settle = resolve));
        next = { promise, settle };
      }
      return next.promise;
    },
    durable() {
      if (failure !== undefined) return Promise.reject(failure);
      return next?.promise ?? running ?? Promise.resolve();
    },
    get failure() {
      return failure;
    },
    close() {
      closed = true;
      closeIfIdle();
    },
  };
}
