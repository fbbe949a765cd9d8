import { SidecarClosedError, SidecarStartError } from '../errors/sidecar-errors';
import { createSidecarLifecycle } from './sidecar-lifecycle';

describe('sidecar lifecycle', () => {
  it('created → starting → catching-up → ready resolves ready once', async () => {
    const lifecycle = createSidecarLifecycle();
    expect(lifecycle.notReadyMessage()).toContain('call sidecar.start()');
    lifecycle.beginStart();
    lifecycle.readersStarted();
    expect(lifecycle.state).toBe('catching-up');
    expect(lifecycle.caughtUp()).toBe(true);
    await expect(lifecycle.ready).resolves.toBeUndefined();
    expect(lifecycle.isReady()).toBe(true);
    expect(lifecycle.caughtUp()).toBe(false);
    expect(lifecycle.fail(new SidecarStartError('late'))).toBe(false);
    lifecycle.close();
    expect(lifecycle.state).toBe('closed');
  });

  it('start twice, or after close, is a TypeError naming the call', () => {
    const lifecycle = createSidecarLifecycle();
    lifecycle.beginStart();
    expect(() => lifecycle.beginStart()).toThrow(new TypeError('sidecar.start() was already called'));
    const closed = createSidecarLifecycle();
    closed.close();
    expect(() => closed.beginStart()).toThrow(/the sidecar is closed; create a new one/);
  });

  it('a failure while starting rejects ready with that error; a later close changes nothing of it', async () => {
    const lifecycle = createSidecarLifecycle();
    lifecycle.beginStart();
    const failure = new SidecarStartError('no broker');
    expect(lifecycle.fail(failure)).toBe(true);
    await expect(lifecycle.ready).rejects.toBe(failure);
    lifecycle.close();
    await expect(lifecycle.ready).rejects.toBe(failure);
  });

  it('closing before ready rejects ready with SidecarClosedError, and a late catch-up does not make it ready', async () => {
    const lifecycle = createSidecarLifecycle();
    lifecycle.beginStart();
    lifecycle.close();
    await expect(lifecycle.ready).rejects.toBeInstanceOf(SidecarClosedError);
    expect(lifecycle.caughtUp()).toBe(false);
    lifecycle.readersStarted();
    expect(lifecycle.state).toBe('closed');
  });
});
