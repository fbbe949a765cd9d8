import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createLeaseKeeper, resolveLeaseTimings } from '../leadership/lease-keeper';
import { createLeadership, type Leadership } from '../leadership/leadership';
import { createLeaseStore } from '../leadership/lease-store';
import type { AuthorityStore } from '../store/store';
import type { Sleep } from '../time/clock';
import type { CoreSettings } from './core-settings';

/** Waits on an unref'd timer: the lease loop never keeps a process alive on its own. */
const backgroundSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    timer.unref();
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * The leader election among the replicas sharing the store (not started). On a store that admits
 * one writer process (SQLite and its writer lock) this replica is the leader at its first look.
 *
 * @throws {TypeError} for lease timings that do not fit (the message says which setting to change).
 */
export function openLeadershipPart(settings: CoreSettings, store: AuthorityStore): Leadership {
  const { options, clock, logger } = settings;
  const timings = resolveLeaseTimings(options.lease);
  const replicaId = options.replicaId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  // Read defensively while the store's engine field is new: anything but PostgreSQL has one writer.
  const exclusive = (store.db as { readonly engine?: string }).engine !== 'postgres';
  const keeper = createLeaseKeeper({
    store: createLeaseStore(store),
    holder: replicaId,
    timings,
    clock,
    monotonic: options.monotonic ?? (() => performance.now()),
    exclusive,
  });
  return createLeadership({
    keeper,
    exclusive,
    replicaId,
    renewMs: timings.renewMs,
    sleep: backgroundSleep,
    logger,
    ...(options.meterProvider === undefined ? {} : { meterProvider: options.meterProvider }),
  });
}
