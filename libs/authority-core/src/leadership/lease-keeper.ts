import type { Clock, Milliseconds } from '../time/clock';
import type { LeaseSighting, LeaseStore } from './lease-store';

/** How long a lease lasts and how often it is renewed. Defaults: {@link DEFAULT_LEASE_TIMINGS}. */
export interface LeaseTimings {
  /**
   * Lease TTL, ms. A follower takes the lease over once it saw it unrenewed for this long on its
   * own monotonic clock; the leader stops acting {@link LeaseTimings.safetyMarginMs} earlier.
   */
  readonly ttlMs: Milliseconds;
  /** How often the leader renews and a follower looks at the lease, ms. */
  readonly renewMs: Milliseconds;
  /**
   * How much earlier than the TTL (counted from the start of its last successful renewal) the
   * leader stops acting, ms: covers the time a follower needs to see that renewal and clock-rate
   * differences. Default: a third of the TTL.
   */
  readonly safetyMarginMs?: Milliseconds;
}

/**
 * 3 s TTL renewed every 500 ms: a dead leader is replaced ~3 to 3.5 s after its last renewal
 * (under the 5 s failover target with the relay's start), and a leader steps down only after
 * about four renewals in a row failed (2 s without one).
 */
export const DEFAULT_LEASE_TIMINGS: Required<Omit<LeaseTimings, 'safetyMarginMs'>> = { ttlMs: 3000, renewMs: 500 };

/** The validated timings, margin included. */
export function resolveLeaseTimings(timings: Partial<LeaseTimings> = {}): Required<LeaseTimings> {
  const ttlMs = timings.ttlMs ?? DEFAULT_LEASE_TIMINGS.ttlMs;
  const renewMs = timings.renewMs ?? DEFAULT_LEASE_TIMINGS.renewMs;
  const safetyMarginMs = timings.safetyMarginMs ?? Math.floor(ttlMs / 3);
  if (!Number.isInteger(ttlMs) || ttlMs < 100) throw new TypeError(`lease TTL must be an integer of at least 100 ms, got ${ttlMs}`);
  if (!Number.isInteger(safetyMarginMs) || safetyMarginMs < 1 || safetyMarginMs >= ttlMs) throw new TypeError(`lease safety margin must be between 1 ms and the TTL (${ttlMs} ms), got ${safetyMarginMs}`);
  if (!Number.isInteger(renewMs) || renewMs < 10 || renewMs * 2 > ttlMs - safetyMarginMs) {
    throw new TypeError(
      `lease renewal interval ${renewMs} ms must be at least 10 ms and leave room for two renewals before the leader steps down (TTL ${ttlMs} ms - margin ${safetyMarginMs} ms): lower REVMESH_LEASE_RENEW_MS or raise REVMESH_LEASE_TTL_MS`,
    );
  }
  return { ttlMs, renewMs, safetyMarginMs };
}

/** This replica's view of the lease. */
export interface LeaseView {
  readonly role: 'leader' | 'follower';
  /** Epoch of the lease as last seen (this replica's while it leads); undefined before the first look. */
  readonly epoch: number | undefined;
  /** Who holds it as last seen (null: released, nobody). */
  readonly holder: string | null | undefined;
  /**
   * Leader: ms since the start of its last successful renewal. Follower: ms since it last saw the
   * lease change (how long the leader has been silent). Monotonic. Undefined before the first look.
   */
  readonly leaseAgeMs: Milliseconds | undefined;
}

/** What one {@link LeaseKeeper.tick} did. */
export type LeaseStep =
  | { readonly kind: 'acquired'; readonly epoch: number; readonly how: 'created' | 'released' | 'expired' | 'exclusive'; readonly previousHolder: string | null | undefined }
  | { readonly kind: 'renewed'; readonly epoch: number }
  | { readonly kind: 'renew-failed'; readonly error: unknown }
  | { readonly kind: 'lost'; readonly epoch: number; readonly reason: 'expired' | 'taken-over' }
  | { readonly kind: 'following'; readonly holder: string | null; readonly epoch: number }
  | { readonly kind: 'look-failed'; readonly error: unknown }
  | { readonly kind: 'raced' };

export interface LeaseKeeperOptions {
  readonly store: LeaseStore;
  /** This replica's unique id (written as the holder). */
  readonly holder: string;
  readonly timings: Required<LeaseTimings>;
  /** Wall clock, for the row's display columns only. */
  readonly clock: Clock;
  /** Monotonic ms (default `performance.now`): every decision is taken on it, never on the wall clock. */
  readonly monotonic: () => Milliseconds;
  /**
   * The store admits one writer process (SQLite's writer lock): this replica takes the lease at
   * once, whatever the row says, and never loses it to time.
   */
  readonly exclusive?: boolean;
}

/**
 * The lease state machine, one step per {@link tick} (the caller runs it every `renewMs`):
 *
 * | role | sees | does |
 * | --- | --- | --- |
 * | follower | no row | creates it: leader at epoch 1 |
 * | follower | released (holder null) | takes over at once |
 * | follower | (epoch, renewals) changed | remembers it and when (monotonic) |
 * | follower | unchanged for a full TTL | takes over (CAS on what it saw): leader at epoch + 1 |
 * | leader | renewal ok | valid until renewal start + TTL - margin |
 * | leader | renewal refused (row changed) | follower (`taken-over`) |
 * | leader | renewal failed, past its validity | follower (`expired`) |
 *
 * A leader is valid until its last successful renewal's START + TTL - margin: a follower starts
 * counting only after it saw that renewal, so the leader stops first by the margin, whatever
 * the wall clocks say.
 */
export interface LeaseKeeper {
  tick(): LeaseStep;
  /** True while this replica leads and its own view of the lease is still valid (checked now). */
  holds(): boolean;
  /** The epoch of this replica's lease while {@link holds}; undefined otherwise. */
  heldEpoch(): number | undefined;
  view(): LeaseView;
  /** Gives the lease up (clean stop) so a follower takes over at once. Never throws. */
  release(): void;
  /** {@link LeaseStore.confirmEpoch}: throws `LeaseLostError` unless the stored lease is at `epoch`. */
  confirmEpoch(epoch: number): void;
}

export function createLeaseKeeper(options: LeaseKeeperOptions): LeaseKeeper {
  const { store, holder, timings, clock, monotonic } = options;
  const exclusive = options.exclusive === true;
  let leading: { epoch: number; validUntil: Milliseconds; renewedAt: Milliseconds } | undefined;
  let seen: (LeaseSighting & { holder: string | null; since: Milliseconds }) | undefined;

  const holds = (): boolean => leading !== undefined && (exclusive || monotonic() < leading.validUntil);

  function lead(epoch: number, startedAt: Milliseconds, how: 'created' | 'released' | 'expired' | 'exclusive', previousHolder: string | null | undefined): LeaseStep {
    leading = { epoch, validUntil: startedAt + timings.ttlMs - timings.safetyMarginMs, renewedAt: startedAt };
    seen = { epoch, renewals: 0, holder, since: startedAt };
    return { kind: 'acquired', epoch, how, previousHolder };
  }

  function follow(reason: 'expired' | 'taken-over'): LeaseStep {
    const epoch = leading!.epoch;
    leading = undefined;
    seen = undefined;
    return { kind: 'lost', epoch, reason };
  }

  function renew(): LeaseStep {
    const startedAt = monotonic();
    const { epoch } = leading!;
    if (!exclusive && startedAt >= leading!.validUntil) return follow('expired');
    try {
      if (!store.renew(holder, epoch, clock.now(), timings.ttlMs)) return follow('taken-over');
    } catch (error) {
      if (!exclusive && monotonic() >= leading!.validUntil) return follow('expired');
      return { kind: 'renew-failed', error };
    }
    leading = { epoch, validUntil: startedAt + timings.ttlMs - timings.safetyMarginMs, renewedAt: startedAt };
    return { kind: 'renewed', epoch };
  }

  function look(): LeaseStep {
    const startedAt = monotonic();
    const now = clock.now();
    try {
      const row = store.read();
      if (row === undefined) {
        return store.create(holder, now, timings.ttlMs) ? lead(1, startedAt, exclusive ? 'exclusive' : 'created', undefined) : { kind: 'raced' };
      }
      if (exclusive || row.holder === null) {
        const epoch = store.takeOver(holder, exclusive ? undefined : row, now, timings.ttlMs);
        return epoch === undefined ? { kind: 'raced' } : lead(epoch, startedAt, exclusive ? 'exclusive' : 'released', row.holder);
      }
      if (seen === undefined || seen.epoch !== row.epoch || seen.renewals !== row.renewals || seen.holder !== row.holder) {
        seen = { epoch: row.epoch, renewals: row.renewals, holder: row.holder, since: startedAt };
        return { kind: 'following', holder: row.holder, epoch: row.epoch };
      }
      // Unchanged for a full TTL counted from our first sight of it, which came after its last renewal.
      if (startedAt - seen.since >= timings.ttlMs) {
        const epoch = store.takeOver(holder, seen, now, timings.ttlMs);
        return epoch === undefined ? { kind: 'raced' } : lead(epoch, startedAt, 'expired', row.holder);
      }
      return { kind: 'following', holder: row.holder, epoch: row.epoch };
    } catch (error) {
      return { kind: 'look-failed', error };
    }
  }

  return {
    tick: () => (leading === undefined ? look() : renew()),
    holds,
    heldEpoch: () => (holds() ? leading!.epoch : undefined),
    view() {
      const now = monotonic();
      if (leading !== undefined && holds()) return { role: 'leader', epoch: leading.epoch, holder, leaseAgeMs: Math.max(0, now - leading.renewedAt) };
      if (leading !== undefined) return { role: 'follower', epoch: leading.epoch, holder, leaseAgeMs: Math.max(0, now - leading.renewedAt) };
      return { role: 'follower', epoch: seen?.epoch, holder: seen?.holder, leaseAgeMs: seen === undefined ? undefined : Math.max(0, now - seen.since) };
    },
    confirmEpoch: (epoch) => store.confirmEpoch(epoch),
    release() {
      if (leading === undefined) return;
      const { epoch } = leading;
      leading = undefined;
      seen = undefined;
      try {
        store.release(holder, epoch, clock.now());
      } catch {
        // Not released: followers take over once the TTL has passed, as after a crash.
      }
    },
  };
}
