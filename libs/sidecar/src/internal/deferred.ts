/** A promise with its settle functions, for states that other code awaits (e.g. `ready`). */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  readonly settled: boolean;
  resolve(value: T): void;
  reject(error: Error): void;
}

/**
 * Creates a {@link Deferred}. Its promise is marked handled: callers may never await it (a
 * sidecar closed before it was ready), and that must not crash the process with an unhandled
 * rejection. Anyone who does await it still sees the rejection.
 */
export function createDeferred<T>(): Deferred<T> {
  let settled = false;
  let resolveFn!: (value: T) => void;
  let rejectFn!: (error: Error) => void;
  const promise = new Promise<T>((resolve, reject) => {
    resolveFn = resolve;
    rejectFn = reject;
  });
  promise.catch(() => undefined);
  return {
    promise,
    get settled() {
      return settled;
    },
    resolve(value) {
      if (settled) return;
      settled = true;
      resolveFn(value);
    },
    reject(error) {
      if (settled) return;
      settled = true;
      rejectFn(error);
    },
  };
}
