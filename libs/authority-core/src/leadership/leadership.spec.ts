import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotLeaderError } from '../errors/errors';
import { openStore, type AuthorityStore } from '../store/store';
import type { Sleep } from '../time/clock';
import { createLeaseKeeper, resolveLeaseTimings } from './lease-keeper';
import { createLeadership, type Leadership } from './leadership';
import { createLeaseStore } from './lease-store';

describe('leadership', () => {
  const timings = resolveLeaseTimings({ ttlMs: 3000, renewMs: 500 });
  let dir: string;
  let store: AuthorityStore;
  let mono = 0;
  let wakeUps: (() => void)[] = [];
  const sleep: Sleep = (_ms, signal) =>
    new Promise((resolve) => {
      wakeUps.push(resolve);
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  /** Lets every sleeping loop run one step, then settles the task starts and stops it queued. */
  const step = async (): Promise<void> => {
    const due = wakeUps;
    wakeUps = [];
    for (const wake of due) wake();
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  const log: string[] = [];
  const replica = (id: string): Leadership => {
    const leadership = createLeadership({
      keeper: createLeaseKeeper({ store: createLeaseStore(store), holder: id, timings, clock: { now: () => mono }, monotonic: () => mono }),
      replicaId: id,
      renewMs: timings.renewMs,
      sleep,
    });
    leadership.whileLeader({ name: 'relay', start: () => void log.push(`${id} relay started at epoch ${leadership.fence()}`), stop: () => void log.push(`${id} relay stopped`) });
    leadership.whileLeader({ name: 'scheduler', start: async () => void log.push(`${id} scheduler started`), stop: async () => void log.push(`${id} scheduler stopped`) });
    return leadership;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-leadership-'));
    store = openStore({ dataDir: dir });
    mono = 0;
    wakeUps = [];
    log.length = 0;
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the tasks on the leader only, stops them when its lease lapses, and starts them on the replica that takes over', async () => {
    const a = replica('a');
    const b = replica('b');
    a.start();
    b.start();
    await step();
    expect(log).toEqual(['a relay started at epoch 1', 'a scheduler started']);
    expect(a.status()).toMatchObject({ role: 'leader', epoch: 1, replicaId: 'a' });
    expect(b.status()).toMatchObject({ role: 'follower', epoch: 1, holder: 'a' });
    expect(() => b.fence()).toThrow(NotLeaderError);

    // a is frozen (no step runs for it) past TTL - margin: its fence refuses at once, before any tick.
    mono = 2000;
    expect(a.isLeader()).toBe(false);
    expect(() => a.fence()).toThrow(NotLeaderError);
    log.length = 0;
    mono = 3000;
    await step(); // both loops: a steps down (tasks stopped in reverse), b takes over
    expect(log.filter((line) => line.startsWith('a'))).toEqual(['a scheduler stopped', 'a relay stopped']);
    expect(log.filter((line) => line.startsWith('b'))).toEqual(['b relay started at epoch 2', 'b scheduler started']);
    expect(a.status().role).toBe('follower');
    expect(b.fence()).toBe(2);

    // A clean stop releases the lease: a takes it at its next look.
    log.length = 0;
    await b.stop();
    expect(log).toEqual(['b scheduler stopped', 'b relay stopped']);
    mono = 3500;
    await step();
    expect(log).toEqual(['b scheduler stopped', 'b relay stopped', 'a relay started at epoch 3', 'a scheduler started']);
    await a.stop();
  });

  it('closes synchronously: tasks asked to stop, the lease released while the store is open', async () => {
    const a = replica('a');
    await a.start();
    log.length = 0;
    a.close();
    expect(log).toEqual(['a scheduler stopped', 'a relay stopped']);
    expect(a.isLeader()).toBe(false);
    expect(store.db.prepare('SELECT holder, epoch FROM leader_lease').get()).toEqual({ holder: null, epoch: 1 });
  });

  it('starts a task registered while leading at once', async () => {
    const a = replica('a');
    a.start();
    await step();
    const started: number[] = [];
    a.whileLeader({ name: 'late', start: () => void started.push(a.fence()), stop: () => undefined });
    await step();
    expect(started).toEqual([1]);
    await a.stop();
  });
});
