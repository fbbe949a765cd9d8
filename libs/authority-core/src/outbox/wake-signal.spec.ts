import type { Sleep } from '../time/clock';
import { createWakeSignal } from './wake-signal';

/** A sleep that never ends on its own: only an abort ends it. */
const forever: Sleep = (_ms, signal) =>
  new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));

describe('wake signal', () => {
  it('ends a wait on notify()', async () => {
    const wake = createWakeSignal(forever);
    const waiting = wake.wait(60_000);
    wake.notify();
    await expect(waiting).resolves.toBeUndefined();
  });

  it('remembers a notify() that arrives while nobody waits, once', async () => {
    const wake = createWakeSignal(forever);
    wake.notify();
    await wake.wait(60_000); // returns at once
    let ended = false;
    const second = wake.wait(60_000).then(() => (ended = true));
    await new Promise((r) => setImmediate(r));
    expect(ended).toBe(false);
    wake.notify();
    await second;
  });

  it('ends a wait when the stop signal aborts', async () => {
    const wake = createWakeSignal(forever);
    const stop = new AbortController();
    const waiting = wake.wait(60_000, stop.signal);
    stop.abort();
    await expect(waiting).resolves.toBeUndefined();
  });
});
