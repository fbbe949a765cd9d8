import type { Milliseconds } from './clock';

/** A background job: run on demand, or now and then every interval. */
export interface IntervalJob<T> {
  /** Runs the job now. One run at a time: a call during a run joins it. */
  runOnce(): Promise<T>;
  /** Runs the job now and every `intervalMs` (a timer that does not keep the process alive). Idempotent. */
  start(): void;
  stop(): void;
}

export interface IntervalJobOptions<T> {
  readonly intervalMs: Milliseconds;
  readonly run: () => Promise<T>;
  /** What a timed run returned (logging). Must not throw. */
  readonly onResult?: (result: T) => void;
  /** A timed run failed; the next interval tries again. Must not throw. */
  readonly onError: (error: unknown) => void;
}

/** @throws {TypeError} when `intervalMs` is not a positive integer. */
export function createIntervalJob<T>(options: IntervalJobOptions<T>): IntervalJob<T> {
  const { intervalMs } = options;
  if (!Number.isInteger(intervalMs) || intervalMs < 1) throw new TypeError('intervalMs must be a positive integer');
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<T> | undefined;
  const runOnce = (): Promise<T> => {
    running ??= options.run().finally(() => {
      running = undefined;
    });
    return running;
  };
  return {
    runOnce,
    start() {
      if (timer !== undefined) return;
      const tick = (): void => {
        runOnce().then((result) => options.onResult?.(result), options.onError);
      };
      timer = setInterval(tick, intervalMs);
      timer.unref();
      tick();
    },
    stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };
}
