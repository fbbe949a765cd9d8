import type { AuthorityLogger, Sleep } from '@revmesh/authority-core';
import { createBackgroundListener } from './background-listener';

/** A broker that is down for the first `downFor` attempts. */
function fakeBroker(downFor: number) {
  const calls = { listen: 0, close: 0 };
  return {
    calls,
    listen: async (): Promise<void> => {
      calls.listen += 1;
      if (calls.listen <= downFor) throw new Error('connect ECONNREFUSED 127.0.0.1:19092');
    },
    close: async (): Promise<void> => {
      calls.close += 1;
    },
  };
}

function logs(): AuthorityLogger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (message: string) => void lines.push(`${level} ${message}`);
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

describe('background listener (the acks consumer connection)', () => {
  it('starts without waiting for the broker, retries with backoff, and connects when the broker is back', async () => {
    const broker = fakeBroker(12);
    const logger = logs();
    const delays: number[] = [];
    const sleep: Sleep = async (ms) => void delays.push(ms);
    const listener = createBackgroundListener({ name: 'acks consumer', listen: broker.listen, close: broker.close, sleep, logger, backoff: { initialMs: 100, maxMs: 1000 } });
    listener.start(); // returns at once
    expect(listener.state()).toBe('connecting');
    await settle();
    expect(listener.state()).toBe('connected');
    expect(broker.calls.listen).toBe(13);
    // Each failed attempt releases what it left half-open before the next.
    expect(broker.calls.close).toBe(12);
    expect(delays[0]).toBeGreaterThanOrEqual(50);
    expect(Math.max(...delays)).toBeLessThanOrEqual(1000);
    // The outage is logged on the first failure and every 10th, not on every attempt.
    expect(logger.lines.filter((l) => l.startsWith('warn'))).toEqual([
      'warn acks consumer: cannot connect, retrying in the background',
      'warn acks consumer: cannot connect, retrying in the background',
    ]);
    expect(logger.lines).toContain('info acks consumer: connected after 12 failed attempt(s)');
    await listener.stop();
    expect(listener.state()).toBe('stopped');
  });

  it('reconnects when asked (a consumer crash kafkajs does not restart)', async () => {
    const broker = fakeBroker(0);
    const connected = jest.fn();
    const listener = createBackgroundListener({ name: 'x', listen: broker.listen, close: broker.close, onConnected: connected, logger: logs() });
    listener.start();
    await settle();
    listener.reconnect('consumer crashed');
    await settle();
    expect(broker.calls.listen).toBe(2);
    expect(connected).toHaveBeenCalledTimes(2);
    expect(listener.state()).toBe('connected');
    await listener.stop();
  });

  it('stops promptly even while an attempt hangs in a broker timeout', async () => {
    const close = jest.fn(async () => undefined);
    const listener = createBackgroundListener({ name: 'x', listen: () => new Promise(() => undefined), close, logger: logs(), stopGraceMs: 50 });
    listener.start();
    const started = Date.now();
    await listener.stop();
    expect(Date.now() - started).toBeLessThan(500);
    expect(close).toHaveBeenCalled();
    expect(listener.state()).toBe('stopped');
  });

  it('stops during the backoff without sitting it out', async () => {
    const broker = fakeBroker(Number.POSITIVE_INFINITY);
    const listener = createBackgroundListener({ name: 'x', listen: broker.listen, close: broker.close, logger: logs(), backoff: { initialMs: 60_000, maxMs: 60_000 } });
    listener.start();
    await settle();
    const started = Date.now();
    await listener.stop();
    expect(Date.now() - started).toBeLessThan(500);
    expect(broker.calls.listen).toBe(1);
  });
});
