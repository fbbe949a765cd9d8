import type { KeyEventLog } from '../events/key-event-log';
import type { WakeSignal } from '../outbox/wake-signal';
import type { InstanceDirectory } from '../reports/instance-directory';
import type { Clock, Milliseconds, Sleep } from '../time/clock';

/** How a gate ended. */
export interface GateResult {
  /** `confirmed`: every live instance holds the event; `timed_out`: some never confirmed. */
  readonly outcome: 'confirmed' | 'timed_out';
  readonly startedAt: Milliseconds;
  readonly endedAt: Milliseconds;
  /** Live instances that had not confirmed when the gate ended (empty when confirmed). */
  readonly unconfirmed: readonly string[];
}

/**
 * The promotion gate: before a pre-published key (or event signer) starts signing, wait until
 * every LIVE sidecar confirms it holds it, so no sidecar sees a token (or an event) signed by a
 * key it lacks. Bounded: after the timeout the caller goes ahead and records who never confirmed.
 */
export interface PromotionGate {
  /**
   * Waits for every live instance to confirm key event `eventId`: an ack of it, a key-set
   * version at least its version, or having started (ready) after it was published. Instances
   * that go silent stop counting (they are no longer live), so a dead sidecar never blocks.
   */
  wait(eventId: string, timeoutMs: Milliseconds, signal?: AbortSignal): Promise<GateResult>;
}

export interface PromotionGateOptions {
  readonly log: Pick<KeyEventLog, 'get'>;
  readonly instances: InstanceDirectory;
  readonly clock: Clock;
  readonly sleep: Sleep;
  /** Woken by the report sink after each write, so confirmations are seen at once. */
  readonly wake?: WakeSignal;
  /** Re-check interval when not woken, ms. Default 50. */
  readonly pollMs?: Milliseconds;
}

/** Creates the promotion gate. */
export function createPromotionGate(options: PromotionGateOptions): PromotionGate {
  const { log, instances, clock, sleep } = options;
  const pollMs = options.pollMs ?? 50;

  function unconfirmed(eventId: string, now: Milliseconds): string[] {
    const event = log.get(eventId);
    if (event === undefined) throw new TypeError(`promotion gate: no key event ${eventId}`);
    const coverage = instances.coverage({ eventId, publishedAt: event.publishedAt, keySetVersion: event.version }, now);
    return coverage.pending.map((p) => p.instanceId);
  }

  return {
    async wait(eventId, timeoutMs, signal) {
      const startedAt = clock.now();
      const deadline = startedAt + timeoutMs;
      for (;;) {
        const now = clock.now();
        const missing = unconfirmed(eventId, now);
        // Unpublished means nobody can hold it yet, even when no instance is live to say so.
        const published = (log.get(eventId)?.publishedAt ?? null) !== null;
        if (missing.length === 0 && published) return { outcome: 'confirmed', startedAt, endedAt: now, unconfirmed: [] };
        if (now >= deadline || signal?.aborted === true) {
          return { outcome: 'timed_out', startedAt, endedAt: now, unconfirmed: missing };
        }
        const wait = Math.min(pollMs, deadline - now);
        if (options.wake !== undefined) await options.wake.wait(wait, signal);
        else await sleep(wait, signal);
      }
    },
  };
}
