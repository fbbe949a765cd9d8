import type { TopicSpec } from '@revmesh/contracts';

/**
 * revmesh's own small view of a log-based broker. Everything Kafka-specific (kafkajs today)
 * stays behind it, so a maintained client can replace kafkajs without touching the sidecar's
 * or the authority's logic, and unit tests can use an in-memory fake.
 */

/** A record to publish. `headers` carry W3C trace context among others. */
export interface OutgoingRecord {
  readonly topic: string;
  readonly key: string;
  readonly value: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A record read back from a topic. `value` is null for a tombstone. */
export interface IncomingRecord {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offsets are 64-bit; kept as a decimal string. */
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
  /** Broker/producer timestamp, epoch ms. */
  readonly timestamp: number;
}

/** Publishes records durably: resolves only once every record is acknowledged by all in-sync replicas. */
export interface RecordPublisher {
  connect(): Promise<void>;
  /** Publishes in order. Rejects with a {@link TransportError} (with `retriable`) on failure. */
  publish(records: readonly OutgoingRecord[]): Promise<void>;
  disconnect(): Promise<void>;
}

export type RecordHandler = (record: IncomingRecord) => Promise<void> | void;

/**
 * Reads a whole topic from its earliest retained offset, as a private reader: every
 * subscriber sees every record, and nothing is committed to the broker.
 */
export interface TopicReader {
  /**
   * Starts reading; resolves once consumption has begun. Records are handed to `handler`
   * one at a time, in offset order per partition. A throwing handler is a bug in the caller:
   * the error is reported through `onHandlerError` and reading continues.
   */
  start(handler: RecordHandler): Promise<void>;
  /**
   * Resolves once every record that existed when `start()` was called has been handed to the
   * handler (the end offsets are read at start). Rejects if the reader stops first.
   */
  readonly caughtUp: Promise<void>;
  /**
   * Records on the topic not yet handed to the handler, summed over partitions, as of the last
   * fetch (no broker call). `undefined` before the first fetch.
   */
  lag(): number | undefined;
  /** Stops reading and releases every connection and timer. Idempotent. */
  stop(): Promise<void>;
}

export interface TopicReaderOptions {
  readonly topic: string;
  /** Names this reader to the broker (client id, group id suffix). */
  readonly readerId: string;
  /**
   * Longest time the broker holds a fetch on an idle topic, ms. Lower means faster delivery on
   * a quiet topic at the cost of more fetch requests. Default 100.
   */
  readonly maxWaitMs?: number;
  /**
   * Most bytes one fetch returns per partition. Default 1 MiB (Kafka's): a reader of a few large
   * records (snapshot chunks) asks for more, so a 40 MB snapshot comes in a few fetches, not 80.
   */
  readonly maxBytesPerPartition?: number;
  /** Called when the handler throws. Default: ignore (the caller counts and logs). */
  readonly onHandlerError?: (error: unknown, record: IncomingRecord) => void;
  /**
   * Called when a partition's offsets went backwards: the topic was deleted and recreated, or
   * the broker lost its data. The reader goes on from the new topic's beginning by itself (it
   * re-reads everything there is); this only tells the caller, to count and log it.
   */
  readonly onReset?: (reset: { readonly partition: number; readonly previousOffset: string; readonly offset: string }) => void;
  /**
   * Per partition (decimal string key), the offset to start reading from instead of the
   * partition's beginning: a reader resuming after a snapshot reads only the tail. A partition
   * not named starts at its beginning; an offset below the earliest retained one starts there.
   * `caughtUp` then means every record from these offsets to the end at `start()` was handled.
   */
  readonly fromOffsets?: Readonly<Record<string, string>>;
  /**
   * Called with every batch of records fetched, before the first of them reaches the handler:
   * a caller may start work on all of them at once (verifying signatures concurrently) while the
   * handler still takes them one at a time, in order. Must not throw.
   */
  readonly onFetched?: (records: readonly IncomingRecord[]) => void;
}

/** What the broker holds of one topic right now. */
export interface TopicState {
  readonly topic: string;
  /** False when the broker does not have the topic. */
  readonly exists: boolean;
  /** Per partition, the next offset to be written (high watermark), as a decimal string. Empty when it does not exist. */
  readonly partitions: readonly { readonly partition: number; readonly high: string }[];
}

/** Looks at topics on the broker (for a process that must notice a topic deleted or recreated). */
export interface TopicInspector {
  /** One state per topic asked, in order. Rejects with a `TransportError` when the broker cannot be asked. */
  describeTopics(topics: readonly string[]): Promise<readonly TopicState[]>;
}

/** Options of {@link EventTransport.createPublisher}. */
export interface PublisherOptions {
  /**
   * Makes every `publish` call one Kafka transaction of this transactional id (records are
   * visible to read-committed consumers only once it commits). Publishers sharing the id fence
   * each other: the broker refuses the writes of any but the one that started last, so a stale
   * process holding an old publisher cannot add to the topic. Calls are serialised.
   */
  readonly transactionalId?: string;
  /**
   * Called before each publish is sent and again before its transaction commits; throwing
   * refuses (the transaction is aborted, nothing becomes visible) and `publish` rejects with that
   * error. The check of a leader that may have lost its lease meanwhile.
   */
  readonly fence?: () => void;
}

export interface EventTransport {
  /** Creates missing topics with their configs; existing topics are left as they are. */
  ensureTopics(specs: readonly TopicSpec[]): Promise<void>;
  /** An idempotent, acks=all publisher (transactional when `options.transactionalId` is set). */
  createPublisher(options?: PublisherOptions): RecordPublisher;
  createReader(options: TopicReaderOptions): TopicReader;
  /** Releases the transport's admin connection, if any. */
  close(): Promise<void>;
}
