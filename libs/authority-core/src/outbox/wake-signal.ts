import { realSleep, type Milliseconds, type Sleep } from '../time/clock';

/**
 * An in-process "there is new work" signal between the revocation service and the relay.
 * A notification that arrives while nobody waits is remembered, so a wake-up between "read an
 * empty batch" and "start waiting" is never lost.
 */
export interface WakeSignal {
  notify(): void;
  /** Resolves after `ms`, on `notify()`, or when `stop` aborts, whichever comes first. */
  wait(ms: Milliseconds, stop?: AbortSignal): Promise<void>;
}

export function createWakeSignal(sleep: Sleep = realSleep): WakeSignal {
  let pending = false;
  let current: AbortController | undefined;
  return {
    notify() {
      pending = true;
      current?.abort();
    },
    async wait(ms, stop) {
      if (pending || stop?.aborted) {
        pending = false;
        return;
      }
      const controller = new AbortController();
      current = controller;
      const onStop = (): void => controller.abort();
      stop?.addEventListener('abort', onStop, { once: true });
      try {
        await sleep(ms, controller.signal);
      } finally {
        stop?.removeEventListener('abort', onStop);
        current = undefined;
        pending = false;
      }
    },
  };
}
