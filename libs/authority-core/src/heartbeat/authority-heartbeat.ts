import { randomUUID } from 'node:crypto';
import { AUTHORITY_HEARTBEAT, AUTHORITY_HEARTBEAT_KEY, type AuthorityHeartbeatEvent, type EventSigningKey } from '@revmesh/contracts';
import type { RecordPublisher } from '@revmesh/transport';
import { signForOutbox } from '../events/sign-for-outbox';
import { logErrorFields } from '../logging/log-fields';
import { silentLogger, type AuthorityLogger } from '../logging/logger';
import { systemClock, type Clock, type Milliseconds } from '../time/clock';

/** Default interval of the authority heartbeat, ms. */
export const DEFAULT_AUTHORITY_HEARTBEAT_MS = 5000;

export interface AuthorityHeartbeatOptions {
  /** A connected (or connecting) publisher; shared with the relay is fine. */
  readonly publisher: Pick<RecordPublisher, 'publish'>;
  /**
   * Every topic sidecars read (keys and revocations), record key {@link AUTHORITY_HEARTBEAT_KEY}:
   * one heartbeat on each, so a sidecar tells a quiet topic from a lost one, topic by topic.
   */
  readonly topics: readonly string[];
  readonly signer: { readonly current: EventSigningKey };
  readonly keySetVersion: () => number;
  readonly intervalMs?: Milliseconds;
  readonly clock?: Clock;
  readonly logger?: AuthorityLogger;
}

export interface AuthorityHeartbeat {
  /** Sends one every interval. Idempotent. */
  start(): void;
  /** Sends one heartbeat now. Rejects on failure (the timer only logs). */
  beat(): Promise<void>;
  stop(): void;
}

/** Builds the signed `authority.heartbeat` event. */
export function authorityHeartbeatEvent(now: number, intervalMs: number, keySetVersion: number): AuthorityHeartbeatEvent {
  return {
    id: randomUUID(),
    type: AUTHORITY_HEARTBEAT,
    version: 1,
    issued_at: now,
    actor: { kind: 'system', id: 'authority' },
    payload: { interval_ms: intervalMs, key_set_version: keySetVersion },
  };
}

/**
 * Publishes a signed `authority.heartbeat` on the keys and revocations topics every interval, straight through
 * the publisher (not the outbox: a missed heartbeat is replaced by the next one), so sidecars
 * can tell a quiet mesh from a broken one.
 */
export function createAuthorityHeartbeat(options: AuthorityHeartbeatOptions): AuthorityHeartbeat {
  const intervalMs = options.intervalMs ?? DEFAULT_AUTHORITY_HEARTBEAT_MS;
  if (!Number.isInteger(intervalMs) || intervalMs < 100) throw new TypeError('heartbeat intervalMs must be an integer ≥ 100');
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  let timer: NodeJS.Timeout | undefined;
  let inFlight = false;
  let failures = 0;

  async function beat(): Promise<void> {
    const now = clock.now();
    const keySetVersion = options.keySetVersion();
    // One event per topic (its own id): a sidecar applies each event id once across topics.
    const records = await Promise.all(
      options.topics.map(async (topic) => ({ topic, key: AUTHORITY_HEARTBEAT_KEY, value: await signForOutbox(authorityHeartbeatEvent(now, intervalMs, keySetVersion), options.signer.current) })),
    );
    await options.publisher.publish(records);
  }

  function tick(): void {
    if (inFlight) return; // a slow broker: skip rather than pile up
    inFlight = true;
    beat().then(
      () => {
        if (failures > 0) logger.info('authority heartbeat: publishing again', { failedBeats: failures });
        failures = 0;
        inFlight = false;
      },
      (error: unknown) => {
        failures += 1;
        // The first failure loudly, then quietly: the relay already logs broker outages.
        const fields = { failedBeats: failures, ...logErrorFields(error) };
        if (failures === 1) logger.warn('authority heartbeat: publish failed', fields);
        else logger.debug('authority heartbeat: publish failed', fields);
        inFlight = false;
      },
    );
  }

  return {
    start() {
      if (timer !== undefined) return;
      // The first beat after one interval: by then the relay has usually connected the publisher.
      timer = setInterval(tick, intervalMs);
      timer.unref();
    },
    beat,
    stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };
}
