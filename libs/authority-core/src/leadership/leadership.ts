import { metrics as otelMetrics, type MeterProvider } from '@opentelemetry/api';
import { logErrorFields } from '../logging/log-fields';
import { silentLogger, type AuthorityLogger } from '../logging/logger';
import { NotLeaderError } from '../errors/errors';
import { AUTHORITY_METER, METRIC } from '../telemetry/names';
import type { Milliseconds, Sleep } from '../time/clock';
import type { LeaseKeeper, LeaseStep, LeaseView } from './lease-keeper';

/**
 * Work that must run on one replica at a time (the outbox relay, schedulers, pollers): started
 * when this replica gains the lease, stopped when it loses it, started again if it regains it.
 */
export interface LeaderTask {
  /** For logs. */
  readonly name: string;
  start(): void | Promise<void>;
  /** Must end the task's work (a batch in flight may finish). Called once per `start`. */
  stop(): void | Promise<void>;
}

/** Where this replica stands. */
export interface LeadershipStatus extends LeaseView {
  /** This replica's id (its lease holder name). */
  readonly replicaId: string;
}

/**
 * The leader election of a set of authority replicas sharing one database, and the singletons
 * it gates. Every replica serves the API; only the leader runs its {@link LeaderTask}s.
 */
export interface Leadership {
  /**
   * True when this replica is its store's only writer (SQLite and its writer lock): it leads
   * from its first look and nothing can fence it. False on a store replicas share (PostgreSQL).
   */
  readonly exclusive: boolean;
  /** Runs `task` while this replica leads (at once if it does now). In start order; stopped in reverse. */
  whileLeader(task: LeaderTask): void;
  /** True while this replica leads and its own view of the lease is valid, checked now (monotonic clock). */
  isLeader(): boolean;
  /**
   * The epoch to publish and mark with; the fence of every write a stale leader must not make.
   * @throws {NotLeaderError} when this replica does not (or no longer safely) hold the lease.
   */
  fence(): number;
  /**
   * Throws `LeaseLostError` unless the lease in the store is still at `epoch`. Call it inside the
   * write transaction of what a leader of that epoch writes (the relay's "published" marks).
   */
  confirmEpoch(epoch: number): void;
  status(): LeadershipStatus;
  /**
   * Starts the lease loop. The first look happens now; resolves once the tasks it started (if it
   * took the lease) have started. Idempotent: a later call starts nothing new and resolves once
   * the task starts queued so far (tasks registered on a leader since) are done.
   */
  start(): Promise<void>;
  /** Stops the loop and every task (in reverse start order, awaited), then releases the lease so a follower takes over at once. Idempotent. */
  stop(): Promise<void>;
  /**
   * The synchronous last resort of a closing store: ends the loop, asks every running task to
   * stop without waiting, and releases the lease while the store is still open. Idempotent.
   */
  close(): void;
}

export interface LeadershipOptions {
  readonly keeper: LeaseKeeper;
  /** See {@link Leadership.exclusive}. Default false. */
  readonly exclusive?: boolean;
  readonly replicaId: string;
  /** How often the keeper ticks, ms (the lease renewal interval). */
  readonly renewMs: Milliseconds;
  readonly sleep: Sleep;
  readonly logger?: AuthorityLogger;
  /** Default: the global meter provider (no-op without an SDK). */
  readonly meterProvider?: MeterProvider;
}

/** Creates the leadership loop (not started). */
export function createLeadership(options: LeadershipOptions): Leadership {
  const { keeper, replicaId, renewMs, sleep } = options;
  const logger = options.logger ?? silentLogger;
  const meter = (options.meterProvider ?? otelMetrics).getMeter(AUTHORITY_METER);
  const renewals = meter.createCounter(METRIC.leaseRenewals, { unit: '{renewal}', description: 'Lease renewals by the leader, by outcome (ok, failed, lost)' });
  const takeovers = meter.createCounter(METRIC.leaderTakeovers, { unit: '{takeover}', description: 'Times this replica became the leader, by how (created, released, expired, exclusive)' });
  const stepDowns = meter.createCounter(METRIC.leaderStepDowns, { unit: '{step-down}', description: 'Times this replica stopped leading, by reason (expired, taken-over, stopped)' });
  meter.createObservableGauge(METRIC.leader, { unit: '1', description: '1 while this replica is the leader (runs the relay and the other singletons), else 0' }).addCallback((result) => result.observe(keeper.holds() ? 1 : 0));
  meter
    .createObservableGauge(METRIC.leaseEpoch, { unit: '{epoch}', description: 'Epoch of the lease as this replica last saw it' })
    .addCallback((result) => {
      const epoch = keeper.view().epoch;
      if (epoch !== undefined) result.observe(epoch);
    });

  const tasks: LeaderTask[] = [];
  const running: LeaderTask[] = [];
  // Task starts and stops run one after another, in the order the lease changed.
  let transitions: Promise<void> = Promise.resolve();
  let leading = false;
  const stopping = new AbortController();
  let loop: Promise<void> | undefined;

  const enqueue = (work: () => Promise<void>): Promise<void> => (transitions = transitions.then(work, work));

  async function startTask(task: LeaderTask): Promise<void> {
    try {
      await task.start();
      running.push(task);
    } catch (error) {
      logger.error(`leadership: starting ${task.name} failed`, logErrorFields(error));
    }
  }

  async function stopAll(): Promise<void> {
    while (running.length > 0) {
      const task = running.pop()!;
      try {
        await task.stop();
      } catch (error) {
        logger.error(`leadership: stopping ${task.name} failed`, logErrorFields(error));
      }
    }
  }

  function gained(): void {
    leading = true;
    void enqueue(async () => {
      for (const task of tasks) {
        // Lost again while the earlier ones started: the queued stop follows.
        if (!leading) return;
        await startTask(task);
      }
    });
  }

  function lost(reason: 'expired' | 'taken-over' | 'stopped'): Promise<void> {
    if (!leading) return transitions;
    leading = false;
    stepDowns.add(1, { reason });
    return enqueue(stopAll);
  }

  /** Between ticks the fence already refuses (it reads the monotonic clock); this stops the tasks too. */
  function check(): void {
    if (leading && !keeper.holds()) {
      logger.warn('leadership: stepped down: no renewal within the lease TTL minus its safety margin; stopping the singletons', { epoch: keeper.view().epoch, replicaId });
      void lost('expired');
    }
  }

  function step(): void {
    if (stopping.signal.aborted) return;
    check();
    const outcome: LeaseStep = keeper.tick();
    switch (outcome.kind) {
      case 'acquired':
        takeovers.add(1, { how: outcome.how });
        logger.info(`leadership: leader at epoch ${outcome.epoch} (${describe(outcome)}); starting ${tasks.map((t) => t.name).join(', ') || 'no task'}`, { epoch: outcome.epoch, replicaId });
        gained();
        break;
      case 'renewed':
        renewals.add(1, { outcome: 'ok' });
        break;
      case 'renew-failed':
        renewals.add(1, { outcome: 'failed' });
        logger.warn('leadership: renewing the lease failed; retrying', logErrorFields(outcome.error));
        break;
      case 'lost':
        renewals.add(1, { outcome: 'lost' });
        if (leading) {
          logger.warn(
            `leadership: stepped down at epoch ${outcome.epoch}: ${outcome.reason === 'taken-over' ? 'another replica holds the lease' : 'no renewal within the lease TTL minus its safety margin'}; stopping the singletons`,
            { epoch: outcome.epoch, replicaId },
          );
        }
        void lost(outcome.reason);
        break;
      case 'look-failed':
        logger.warn('leadership: reading the lease failed; retrying', logErrorFields(outcome.error));
        break;
      case 'following':
      case 'raced':
        break;
    }
  }

  return {
    exclusive: options.exclusive === true,
    whileLeader(task) {
      tasks.push(task);
      if (leading) void enqueue(() => startTask(task));
    },
    isLeader: () => keeper.holds(),
    fence() {
      const epoch = keeper.heldEpoch();
      if (epoch === undefined) throw new NotLeaderError(`this replica (${replicaId}) does not hold the lease`);
      return epoch;
    },
    confirmEpoch: (epoch) => keeper.confirmEpoch(epoch),
    status: () => ({ ...keeper.view(), replicaId }),
    start() {
      if (loop !== undefined || stopping.signal.aborted) return transitions;
      step();
      loop = (async () => {
        for (;;) {
          await sleep(renewMs, stopping.signal);
          if (stopping.signal.aborted) return;
          try {
            step();
          } catch (error) {
            logger.error('leadership: lease step crashed', logErrorFields(error));
          }
        }
      })();
      return transitions;
    },
    async stop() {
      if (stopping.signal.aborted) return transitions;
      stopping.abort();
      await loop;
      const wasLeading = leading;
      await lost('stopped');
      // Released only once every task stopped: nobody may start before we are done.
      if (wasLeading) keeper.release();
    },
    close() {
      stopping.abort();
      if (leading) {
        leading = false;
        stepDowns.add(1, { reason: 'stopped' });
      }
      for (const task of running.splice(0).reverse()) {
        try {
          void Promise.resolve(task.stop()).catch(() => undefined);
        } catch {
          // Closing anyway.
        }
      }
      keeper.release();
    },
  };
}

function describe(step: Extract<LeaseStep, { kind: 'acquired' }>): string {
  switch (step.how) {
    case 'created':
      return 'first holder of the lease';
    case 'released':
      return `released by ${step.previousHolder ?? 'its last holder'}`;
    case 'expired':
      return `took over from ${step.previousHolder ?? 'nobody'} after its lease stayed unrenewed for the TTL`;
    case 'exclusive':
      return 'the one writer of this store';
  }
}
