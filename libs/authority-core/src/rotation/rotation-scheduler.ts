import type { EventSignerRotation } from '../event-signers/signer-rotation';
import type { SigningKeyStore } from '../keys/key-store';
import { logErrorFields } from '../logging/log-fields';
import type { AuthorityLogger } from '../logging/logger';
import type { PolicySource } from '../policy/policy-document';
import type { Clock, Sleep } from '../time/clock';
import { keyCalendar } from './key-calendar';
import { effectiveRotationPolicy, type RotationPolicy } from './rotation-policy';
import type { RotationRecord } from './rotation-store';
import { SCHEDULER_ACTOR, type RotationService } from './rotation-service';

/** What one scheduler tick did. */
export interface TickOutcome {
  readonly retired: readonly string[];
  readonly withdrawnSigners: readonly string[];
  readonly rotation: RotationRecord | null;
}

/**
 * The key calendar's clock: each tick resumes work interrupted by a restart, retires keys whose
 * tokens have all expired, withdraws event signers whose overlap ended, and starts a scheduled
 * rotation when the active key is due. Everything it acts on is read from the store, so a tick
 * after a restart continues exactly where the previous process stopped.
 */
export interface RotationScheduler {
  /** One pass. Never throws: each step's failure is logged and the next step still runs. */
  tick(): Promise<TickOutcome>;
  /** Ticks every `checkIntervalMs` in the background. Idempotent; starts again after {@link pause}. */
  start(): void;
  /**
   * Stops ticking (after the tick in flight) and leaves the rotation services as they are: this
   * replica lost the leader lease and may start again when it regains it.
   */
  pause(): Promise<void>;
  /** Stops ticking and aborts gate waits (they resume at the next start of a process). Idempotent; final. */
  stop(): Promise<void>;
}

export interface RotationSchedulerOptions {
  readonly keys: Pick<SigningKeyStore, 'list'>;
  readonly rotation: RotationService;
  readonly signers: EventSignerRotation;
  readonly policy: RotationPolicy;
  /** The security policy: its `rotation.periodSeconds`, read every tick, overrides `policy.rotationPeriodMs`. */
  readonly securityPolicy?: PolicySource;
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly logger: AuthorityLogger;
}

/** Creates the scheduler (not started). */
export function createRotationScheduler(options: RotationSchedulerOptions): RotationScheduler {
  const { keys, rotation, signers, policy, clock, sleep, logger } = options;
  let stopping = new AbortController();
  let stopped = false;
  let loop: Promise<void> | undefined;

  async function step<T>(what: string, fn: () => Promise<T>, fallback: T): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      logger.error(`rotation scheduler: ${what} failed`, logErrorFields(error));
      return fallback;
    }
  }

  async function tick(): Promise<TickOutcome> {
    await step('resuming an event-signer rotation', () => signers.resumeInterrupted(), undefined);
    await step('resuming a key rotation', () => rotation.resumeInterrupted(), undefined);
    const retired = await step('retiring keys', () => rotation.retireDue(), [] as string[]);
    const withdrawnSigners = await step('withdrawing event signers', () => signers.withdrawDue(), [] as string[]);
    let record: RotationRecord | null = null;
    if (!rotation.busy() && !stopping.signal.aborted) {
      const inForce = effectiveRotationPolicy(policy, options.securityPolicy);
      const { nextRotationAt } = keyCalendar(keys.list(), inForce);
      // While the broker has not acknowledged the standby, a staged rotation could only abort.
      if (nextRotationAt !== null && nextRotationAt <= clock.now() && rotation.standbyPublished()) {
        record = await step(
          'scheduled rotation',
          () =>
            rotation.rotate('scheduled', {
              actor: SCHEDULER_ACTOR,
              reason: `scheduled: the active key reached the rotation period (${Math.round(inForce.rotationPeriodMs / 1000)} s)`,
            }),
          null,
        );
      }
    }
    return { retired, withdrawnSigners, rotation: record };
  }

  return {
    tick,
    start() {
      if (loop !== undefined || stopped) return;
      const controller = (stopping = new AbortController());
      loop = (async () => {
        while (!controller.signal.aborted) {
          await tick();
          await sleep(policy.checkIntervalMs, controller.signal);
        }
      })().catch((error: unknown) => logger.error('rotation scheduler: loop crashed', logErrorFields(error)));
    },
    async pause() {
      stopping.abort();
      await loop;
      loop = undefined;
    },
    async stop() {
      stopped = true;
      stopping.abort();
      rotation.stop();
      signers.stop();
      await loop;
    },
  };
}
