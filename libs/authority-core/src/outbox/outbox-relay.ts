import { SpanKind, SpanStatusCode, trace, type Span, type TracerProvider } from '@opentelemetry/api';
import { TRACEPARENT_HEADER, type TopicSpec } from '@revmesh/contracts';
import type { EventTransport, OutgoingRecord, RecordPublisher } from '@revmesh/transport';
import { noopAuthorityMetrics, type AuthorityMetrics } from '../telemetry/authority-metrics';
import { ATTR, AUTHORITY_TRACER, SPAN } from '../telemetry/names';
import { contextFromTraceparent, formatTraceparent } from '../telemetry/trace-context';
import { logErrorFields } from '../logging/log-fields';
import { silentLogger, type AuthorityLogger } from '../logging/logger';
import { realSleep, systemClock, type Clock, type Milliseconds, type Sleep } from '../time/clock';
import { backoffDelay, type BackoffOptions } from './backoff';
import type { OutboxStore } from './outbox-store';
import { createWakeSignal, type WakeSignal } from './wake-signal';

/** Lifecycle of a relay. `starting`: creating topics / connecting, retried until it works. */
export type OutboxRelayState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

export interface OutboxRelayOptions {
  readonly outbox: OutboxStore;
  /** Idempotent, acks=all publisher; the relay connects and disconnects it. */
  readonly publisher: RecordPublisher;
  /** Creates `topics` before the first publish. */
  readonly transport: Pick<EventTransport, 'ensureTopics'>;
  readonly topics: readonly TopicSpec[];
  /** Wakes the relay when a revocation commits. Default: a private signal (poll only). */
  readonly wake?: WakeSignal;
  /** Poll interval when no wake-up arrives, ms. Default 500. */
  readonly pollIntervalMs?: Milliseconds;
  /** Records per publish call. Default 256. */
  readonly batchSize?: number;
  /** Retry delays for every broker call. Default 100 ms doubling to 5 s. */
  readonly backoff?: BackoffOptions;
  readonly clock?: Clock;
  readonly sleep?: Sleep;
  /** Source of jitter in [0, 1). Default `Math.random`. */
  readonly random?: () => number;
  readonly logger?: AuthorityLogger;
  readonly metrics?: AuthorityMetrics;
  /** Topic name → kind (`revocations`, `keys`, `alerts`) for the `outbox.published` metric. Default: the name. */
  readonly topicKinds?: Readonly<Record<string, string>>;
  /** Default: the global tracer provider (`@opentelemetry/api`). */
  readonly tracerProvider?: TracerProvider;
  /**
   * Runs inside the transaction of each batch's "published" marks, before them; throwing refuses
   * the marks (the relay retries the batch). The core passes the check that the leader lease is
   * still at this relay's epoch (`LeaseLostError`): the rows are then the new leader's to publish.
   */
  readonly confirmMarks?: () => void;
}

export interface OutboxRelayStatus {
  readonly state: OutboxRelayState;
  /** Records published since `start()`. */
  readonly published: number;
  /** Failures since the last success (0 when healthy). */
  readonly consecutiveFailures: number;
}

/**
 * Publishes the outbox to the broker, oldest first, forever.
 *
 * Guarantees: a row is marked published only after the broker acknowledged it, so a crash at
 * any point republishes at worst (consumers deduplicate by event id) and never loses; a failed
 * batch is retried whole and nothing behind it goes first, so order is kept; broker outages
 * are retried indefinitely with backoff while the HTTP API keeps accepting revocations.
 */
export interface OutboxRelay {
  /** Starts the loop in the background. Idempotent. Never throws: failures are logged and retried. */
  start(): void;
  /** Asks the loop to look at the outbox now. */
  wake(): void;
  /** Finishes the batch in flight (if any), stops, and disconnects the publisher. Idempotent. */
  stop(): Promise<void>;
  status(): OutboxRelayStatus;
}

/** Creates an outbox relay. */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { outbox, publisher, transport, topics } = options;
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  const batchSize = options.batchSize ?? 256;
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const logger = options.logger ?? silentLogger;
  const wake = options.wake ?? createWakeSignal(sleep);
  const metrics = options.metrics ?? noopAuthorityMetrics;
  const topicKind = (topic: string): string => options.topicKinds?.[topic] ?? topic;
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(AUTHORITY_TRACER);
  if (!(pollIntervalMs > 0)) throw new TypeError('pollIntervalMs must be positive');
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new TypeError('batchSize must be a positive integer');
  backoffDelay(0, options.backoff); // validates the backoff options now rather than at the first failure

  let state: OutboxRelayState = 'idle';
  let published = 0;
  let consecutiveFailures = 0;
  const stopping = new AbortController();
  let loop: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;

  /** Resolves with the operation's outcome, or with 'stopped' as soon as stop() is called. */
  function untilStopped<T>(operation: Promise<T>): Promise<{ value: T } | 'stopped'> {
    // A stop mid-setup must not wait for a broker call that may hang for its own timeout.
    operation.catch(() => undefined);
    return new Promise((resolve, reject) => {
      const onStop = (): void => resolve('stopped');
      if (stopping.signal.aborted) return onStop();
      stopping.signal.addEventListener('abort', onStop, { once: true });
      operation.then(
        (value) => {
          stopping.signal.removeEventListener('abort', onStop);
          resolve({ value });
        },
        (error: unknown) => {
          stopping.signal.removeEventListener('abort', onStop);
          reject(error);
        },
      );
    });
  }

  async function failed(what: string, error: unknown): Promise<void> {
    const delay = backoffDelay(consecutiveFailures, options.backoff, random);
    consecutiveFailures += 1;
    const retriable = (error as { retriable?: unknown }).retriable;
    logger.warn(`outbox relay: ${what} failed, retrying in ${delay} ms`, {
      attempt: consecutiveFailures,
      ...(typeof retriable === 'boolean' ? { retriable } : {}),
      ...logErrorFields(error),
    });
    await sleep(delay, stopping.signal);
  }

  function recovered(what: string): void {
    if (consecutiveFailures > 0) {
      logger.info(`outbox relay: ${what} succeeded after ${consecutiveFailures} failed attempt(s)`);
    }
    consecutiveFailures = 0;
  }

  /** Retries `step` with backoff until it succeeds; false if stopped first. */
  async function setUp(what: string, step: () => Promise<void>): Promise<boolean> {
    while (!stopping.signal.aborted) {
      try {
        if ((await untilStopped(step())) === 'stopped') return false;
        recovered(what);
        return true;
      } catch (error) {
        await failed(what, error);
      }
    }
    return false;
  }

  async function publishOnce(): Promise<'idle' | 'published'> {
    const batch = outbox.unpublished(batchSize);
    if (batch.length === 0) return 'idle';
    // Never publish what a power cut could still take back: rows of a group commit are visible
    // before their fsync ends (after a failed one this throws, and the relay retries until a restart).
    await outbox.durable();
    // One PRODUCER span per record, child of the context stored with its row (the request that
    // caused it); the record carries the publish span's context, so consumers continue from it.
    const spans: Span[] = [];
    const records: OutgoingRecord[] = batch.map((entry) => {
      const headers = entry.record.headers ?? {};
      const span = tracer.startSpan(
        `${entry.record.topic} ${SPAN.publishSuffix}`,
        {
          kind: SpanKind.PRODUCER,
          attributes: {
            [ATTR.messagingSystem]: 'kafka',
            [ATTR.messagingDestination]: entry.record.topic,
            [ATTR.messagingMessageId]: entry.eventId,
            [ATTR.messagingOperationType]: 'send',
            [ATTR.messagingOperationName]: 'publish',
            [ATTR.messagingKafkaMessageKey]: entry.record.key,
          },
        },
        contextFromTraceparent(headers[TRACEPARENT_HEADER]),
      );
      spans.push(span);
      const sc = span.spanContext();
      // A non-recording span (no SDK) has the parent's ids: then the stored header goes as is.
      return span.isRecording() ? { ...entry.record, headers: { ...headers, [TRACEPARENT_HEADER]: formatTraceparent(sc) } } : entry.record;
    });
    try {
      await publisher.publish(records);
    } catch (error) {
      metrics.outboxPublishFailed();
      for (const span of spans) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: String((error as Error).message ?? error) });
        span.end();
      }
      throw error;
    }
    for (const span of spans) span.end();
    // The broker has acknowledged every record: only now may the rows be marked.
    outbox.markPublished(
      batch.map((entry) => entry.seq),
      clock.now(),
      options.confirmMarks,
    );
    const byKind = new Map<string, number>();
    for (const entry of batch) byKind.set(topicKind(entry.record.topic), (byKind.get(topicKind(entry.record.topic)) ?? 0) + 1);
    for (const [kind, n] of byKind) metrics.outboxPublished(kind, n);
    metrics.checkCoverage(batch.map((entry) => entry.eventId));
    published += batch.length;
    logger.debug('outbox relay: published', { records: batch.length, lastSeq: batch[batch.length - 1]?.seq });
    return 'published';
  }

  async function run(): Promise<void> {
    state = 'starting';
    if (!(await setUp('creating topics', () => transport.ensureTopics(topics)))) return;
    if (!(await setUp('connecting the publisher', () => publisher.connect()))) return;
    state = 'running';
    logger.info('outbox relay: running', { pending: outbox.pendingCount() });
    while (!stopping.signal.aborted) {
      try {
        const outcome = await publishOnce();
        recovered('publishing');
        // A full batch probably means more is waiting: go again without sleeping.
        if (outcome === 'idle') await wake.wait(pollIntervalMs, stopping.signal);
      } catch (error) {
        await failed('publishing', error);
      }
    }
  }

  return {
    start() {
      if (loop !== undefined || stopping.signal.aborted) return;
      loop = run().catch((error: unknown) => {
        // run() handles its own failures; reaching this is a bug worth a loud line.
        logger.error('outbox relay: loop crashed', logErrorFields(error));
      });
    },
    wake: () => wake.notify(),
    stop() {
      stopped ??= (async () => {
        if (state !== 'stopped') state = 'stopping';
        stopping.abort();
        await loop;
        try {
          await publisher.disconnect();
        } catch (error) {
          logger.warn('outbox relay: disconnecting the publisher failed', logErrorFields(error));
        }
        state = 'stopped';
      })();
      return stopped;
    },
    status: () => ({ state, published, consecutiveFailures }),
  };
}
