/**
 * Runs async critical sections one at a time, in call order. Key-set changes need it: each
 * reads the current `key_set_version` and key states, signs its events (async: jose), then
 * writes in one synchronous transaction; two interleaved changes would sign the same version.
 */
export interface Mutex {
  run<T>(section: () => Promise<T>): Promise<T>;
}

export function createMutex(): Mutex {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run<T>(section: () => Promise<T>): Promise<T> {
      const result = tail.then(section, section);
      // The chain must survive a failing section; the caller still sees the rejection.
      tail = result.catch(() => undefined);
      return result;
    },
  };
}
