import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type AuthorityStore } from '../store/store';
import { createLeaseKeeper, resolveLeaseTimings, type LeaseKeeper } from './lease-keeper';
import { createLeaseStore, type LeaseStore } from './lease-store';

/** Two replicas' keepers on one real store (the CAS statements run for real), on one fake monotonic clock. */
describe('lease keeper', () => {
  const timings = resolveLeaseTimings({ ttlMs: 3000, renewMs: 500 });
  let dir: string;
  let store: AuthorityStore;
  let leases: LeaseStore;
  let mono = 0;
  const clock = { now: () => 1_700_000_000_000 + mono };
  const keeper = (holder: string, overrides: { store?: LeaseStore; exclusive?: boolean } = {}): LeaseKeeper =>
    createLeaseKeeper({ store: overrides.store ?? leases, holder, timings, clock, monotonic: () => mono, ...(overrides.exclusive === undefined ? {} : { exclusive: overrides.exclusive }) });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-lease-'));
    store = openStore({ dataDir: dir });
    leases = createLeaseStore(store);
    mono = 0;
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes the first replica leader at epoch 1 and the second a follower that keeps following while the leader renews', () => {
    const a = keeper('a');
    const b = keeper('b');
    expect(a.tick()).toEqual({ kind: 'acquired', epoch: 1, how: 'created', previousHolder: undefined });
    expect(b.tick()).toEqual({ kind: 'following', holder: 'a', epoch: 1 });
    for (let i = 0; i < 40; i++) {
      mono += 500;
      expect(a.tick()).toEqual({ kind: 'renewed', epoch: 1 });
      expect(b.tick().kind).toBe('following');
    }
    expect(a.holds()).toBe(true);
    expect(b.holds()).toBe(false);
    expect(a.view()).toEqual({ role: 'leader', epoch: 1, holder: 'a', leaseAgeMs: 0 });
    expect(leases.read()).toMatchObject({ holder: 'a', epoch: 1, renewals: 40 });
  });

  it('lets a follower take over a full TTL after it last saw the lease change, and the silent leader stops acting a margin earlier', () => {
    const a = keeper('a');
    const b = keeper('b');
    a.tick();
    mono += 500;
    a.tick(); // last renewal, started at 500: a acts until 500 + 3000 - 1000 = 2500
    b.tick(); // b sees it at 500
    mono = 2499;
    expect(a.holds()).toBe(true);
    mono = 2500;
    expect(a.holds()).toBe(false);
    expect(a.heldEpoch()).toBeUndefined();
    expect(a.view().role).toBe('follower');
    mono = 3499;
    expect(b.tick()).toEqual({ kind: 'following', holder: 'a', epoch: 1 });
    mono = 3500;
    expect(b.tick()).toEqual({ kind: 'acquired', epoch: 2, how: 'expired', previousHolder: 'a' });
    expect(b.heldEpoch()).toBe(2);
    // The old leader wakes up: its renewal is refused (the row moved on) and it follows.
    expect(a.tick()).toEqual({ kind: 'lost', epoch: 1, reason: 'expired' });
    expect(a.tick()).toEqual({ kind: 'following', holder: 'b', epoch: 2 });
    expect(leases.read()).toMatchObject({ holder: 'b', epoch: 2, renewals: 0 });
  });

  it('steps a leader down when its renewal finds the lease taken over, even within its validity', () => {
    const a = keeper('a');
    a.tick();
    // Another replica took it (say its clock ran faster): the CAS of a's renewal fails.
    expect(leases.takeOver('b', { epoch: 1, renewals: 0 }, clock.now(), 3000)).toBe(2);
    mono += 500;
    expect(a.tick()).toEqual({ kind: 'lost', epoch: 1, reason: 'taken-over' });
    expect(a.holds()).toBe(false);
  });

  it('hands the lease over at once on release, at the next epoch', () => {
    const a = keeper('a');
    const b = keeper('b');
    a.tick();
    b.tick();
    a.release();
    expect(a.holds()).toBe(false);
    expect(leases.read()).toMatchObject({ holder: null, epoch: 1 });
    mono += 500;
    expect(b.tick()).toEqual({ kind: 'acquired', epoch: 2, how: 'released', previousHolder: null });
  });

  it('lets only one of two followers win a takeover (compare-and-set on what each saw)', () => {
    const a = keeper('a');
    const b = keeper('b');
    const c = keeper('c');
    a.tick();
    b.tick();
    c.tick();
    mono = 3000;
    expect(b.tick()).toMatchObject({ kind: 'acquired', epoch: 2 });
    expect(c.tick()).toEqual({ kind: 'following', holder: 'b', epoch: 2 });
    // c saw the old row and acts on it: its CAS loses.
    expect(leases.takeOver('c', { epoch: 1, renewals: 0 }, clock.now(), 3000)).toBeUndefined();
    expect(leases.read()).toMatchObject({ holder: 'b', epoch: 2 });
  });

  it('keeps leading through failed renewals until its validity ends, then steps down', () => {
    let failing = false;
    const flaky: LeaseStore = {
      ...leases,
      renew: (...args) => {
        if (failing) throw new Error('database unreachable');
        return leases.renew(...args);
      },
    };
    const a = keeper('a', { store: flaky });
    a.tick();
    failing = true;
    mono = 500;
    expect(a.tick()).toMatchObject({ kind: 'renew-failed' });
    mono = 1500;
    expect(a.tick()).toMatchObject({ kind: 'renew-failed' });
    expect(a.holds()).toBe(true);
    mono = 2000;
    expect(a.tick()).toEqual({ kind: 'lost', epoch: 1, reason: 'expired' });
  });

  it('an exclusive store (one writer) takes the lease at once whatever the row says, and time never takes it away', () => {
    const dead = keeper('dead');
    dead.tick();
    const only = keeper('only', { exclusive: true });
    expect(only.tick()).toEqual({ kind: 'acquired', epoch: 2, how: 'exclusive', previousHolder: 'dead' });
    mono = 60_000;
    expect(only.holds()).toBe(true);
    expect(only.tick()).toEqual({ kind: 'renewed', epoch: 2 });
  });

  it('validates the timings with a message that says the fix', () => {
    expect(resolveLeaseTimings()).toEqual({ ttlMs: 3000, renewMs: 500, safetyMarginMs: 1000 });
    expect(() => resolveLeaseTimings({ ttlMs: 3000, renewMs: 1500 })).toThrow(/lower REVMESH_LEASE_RENEW_MS or raise REVMESH_LEASE_TTL_MS/);
    expect(() => resolveLeaseTimings({ ttlMs: 50 })).toThrow(/at least 100 ms/);
    expect(() => resolveLeaseTimings({ ttlMs: 3000, safetyMarginMs: 3000 })).toThrow(/safety margin/);
  });
});
