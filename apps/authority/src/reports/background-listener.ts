import { backoffDelay, type AuthorityLogger, type BackoffOptions, type Sleep } from '@revmesh/authority-core';
import { setTimeout as delay } from 'node:timers/promises';

/** Where a background listener stands. */
export type ListenerState = 'idle' | 'connecting' | 'connected' | 'stopped';

/**
 * Keeps a broker consumer connected without ever blocking the app on it: the first connection
 * and every reconnection happen in the background, with backoff, for as long as it takes.
 *
 * Why: Nest's `startAllMicroservices()` rejects (and `ServerKafka.listen` gives up) when the
 * broker is unreachable, which would make the authority's start depend on Kafka. The authority
 * must start and accept revocations while Kafka is down (the outbox holds them), so the consumer
 * is started like the outbox relay: in the background, retried until it works.
 */
export interface BackgroundListener {
  /** Starts connecting in the background. Idempotent; never throws. Starts again after {@link stop}. */
  start(): void;
  /** Drops the current connection and connects again (e.g. after a consumer crash). */
  reconnect(reason: string): void;
  /** Stops retrying, waits (bounded) for an attempt in flight, and closes. Idempotent. */
  stop(): Promise<void>;
  state(): ListenerState;
  /** Failed attempts since the last success. */
  consecutiveFailures(): number;
}

export interface BackgroundListenerOptions {
  /** For log lines, e.g. "acks consumer". */
  readonly name: string;
  /** One connection attempt: resolves once consuming has started. */
  readonly listen: () => Promise<unknown>;
  /** Releases whatever a failed or dropped attempt left open. Must tolerate being called at any time. */
  readonly close: () => Promise<unknown>;
  /** Runs after each successful `listen` (e.g. to watch for crashes). */
  readonly onConnected?: () => void;
  /** Retry delays. Default 100 ms doubling to 5 s (with jitter). */
  readonly backoff?: BackoffOptions;
  readonly sleep?: Sleep;
  /** Longest time `stop()` waits for an attempt in flight before closing anyway, ms. Default 5000. */
  readonly stopGraceMs?: number;
  readonly logger: AuthorityLogger;
}

const realSleep: Sleep = async (ms, signal) => {
  try {
    await delay(ms, undefined, { signal });
  } catch {
    // aborted: the loop checks its own state
  }
};

/** Creates a background listener (not started). */
export function createBackgroundListener(options: BackgroundListenerOptions): BackgroundListener {
  const { name, logger } = options;
  const sleep = options.sleep ?? realSleep;
  const stopGraceMs = options.stopGraceMs ?? 5000;
  backoffDelay(0, options.backoff); // validates now rather than at the first failure
  let state: ListenerState = 'idle';
  let failures = 0;
  let loop: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;
  let stopping = new AbortController();
  let dropConnection: (() => void) | undefined;
  let reconnectReason: string | undefined;

  async function run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      state = 'connecting';
      try {
        await options.listen();
        if (signal.aborted) break;
        state = 'connected';
        if (failures > 0) logger.info(`${name}: connected after ${failures} failed attempt(s)`);
        else logger.info(`${name}: connected`);
        failures = 0;
        options.onConnected?.();
        // Connected: wait until asked to reconnect or to stop.
        await new Promise<void>((resolve) => {
          dropConnection = resolve;
          if (reconnectReason !== undefined || signal.aborted) resolve();
          signal.addEventListener('abort', () => resolve(), { once: true });
        });
        dropConnection = undefined;
        if (signal.aborted) break;
        logger.warn(`${name}: reconnecting`, { reason: reconnectReason });
        reconnectReason = undefined;
        await options.close().catch(() => undefined);
      } catch (error) {
        if (signal.aborted) break;
        const wait = backoffDelay(failures, options.backoff);
        failures += 1;
        // The first failure at warn; then one line per 10 attempts, so an outage does not flood the log.
        if (failures === 1 || failures % 10 === 0) {
          logger.warn(`${name}: cannot connect, retrying in the background`, {
            attempt: failures,
            retryInMs: wait,
            message: error instanceof Error ? error.message : String(error),
          });
        }
        await options.close().catch(() => undefined);
        await sleep(wait, signal);
      }
    }
  }

  return {
    start() {
      if (loop !== undefined) return;
      if (stopping.signal.aborted) {
        // Started again after a stop (a replica that regained the leader lease).
        stopping = new AbortController();
        stopped = undefined;
        failures = 0;
      }
      loop = run(stopping.signal).catch((error: unknown) => logger.error(`${name}: loop crashed`, { message: String(error) }));
    },
    reconnect(reason) {
      reconnectReason = reason;
      dropConnection?.();
    },
    stop() {
      stopped ??= (async () => {
        stopping.abort();
        dropConnection?.();
        if (loop !== undefined) {
          // An attempt in flight may sit in a broker timeout; do not hold shutdown hostage to it.
          await Promise.race([loop, delay(stopGraceMs, undefined, { ref: false })]);
        }
        await options.close().catch(() => undefined);
        state = 'stopped';
        loop = undefined;
      })();
      return stopped;
    },
    state: () => state,
    consecutiveFailures: () => failures,
  };
}
