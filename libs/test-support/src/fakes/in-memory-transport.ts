import type { TopicSpec } from '@revmesh/contracts';
import {
  TransportError,
  type EventTransport,
  type IncomingRecord,
  type TopicInspector,
  type OutgoingRecord,
  type RecordHandler,
  type RecordPublisher,
  type TopicReader,
  type TopicReaderOptions,
} from '@revmesh/transport';

/** A record to append directly to the log, bypassing publishers (e.g. garbage a broker could hold). */
export interface AppendRecord {
  readonly topic: string;
  readonly key?: string | null;
  /** A string is stored as UTF-8. `null` is a tombstone. */
  readonly value: Buffer | string | null;
  readonly headers?: Readonly<Record<string, string>>;
  /** Default: derived from the key, as Kafka's default partitioner would (stable per key). */
  readonly partition?: number;
  /** Default: now. */
  readonly timestamp?: number;
}

export interface InMemoryTransportOptions {
  /** Partitions of every topic. Default 3. */
  readonly partitions?: number;
  /**
   * Awaited before each record is handed to a reader's handler. Tests use it to hold delivery
   * (e.g. to observe a reader that has not caught up yet).
   */
  readonly beforeDeliver?: (record: IncomingRecord, readerId: string) => Promise<void> | void;
  /**
   * Awaited before a publisher appends a batch. Throw from it (e.g. a `TransportError`) to model
   * a broker outage: the batch is then not appended and `publish` rejects with that error.
   */
  readonly beforePublish?: (records: readonly OutgoingRecord[]) => Promise<void> | void;
}

/**
 * An {@link EventTransport} over an in-memory log, for unit tests. Readers behave like the
 * Kafka one: each replays the topic from the beginning, then receives appended records, in
 * offset order per partition; `caughtUp` resolves once every record that existed at `start()`
 * has been handed to the handler, and rejects if the reader stops first. Delivery is
 * asynchronous (never inside `append`/`publish`), as with a real broker.
 */
export interface InMemoryTransport extends EventTransport, TopicInspector {
  /** Appends a record and returns it as readers will see it. */
  append(record: AppendRecord): IncomingRecord;
  /** Every record of a topic, in append order. */
  records(topic: string): readonly IncomingRecord[];
  /** Topic specs passed to `ensureTopics`, by topic name. */
  readonly topics: ReadonlyMap<string, TopicSpec>;
  /** Readers started and not yet stopped. */
  readonly activeReaders: number;
  /** True once `close()` was called. */
  readonly closed: boolean;
  /** Publishers connected and not yet disconnected (a closed component must leave 0). */
  readonly connectedPublishers: number;
  /** Resolves once every active reader has handed every appended record to its handler. */
  settled(): Promise<void>;
}

interface ReaderState {
  readonly id: string;
  readonly topic: string;
  /** Next index into the topic's log to deliver. */
  next: number;
  wake: (() => void) | undefined;
  idle: Array<() => void>;
  stopped: boolean;
}

/** Kafka's murmur2 is not needed for tests; any stable hash keeps a key on one partition. */
function partitionFor(key: string | null | undefined, partitions: number, fallback: number): number {
  if (key === null || key === undefined) return fallback % partitions;
  let hash = 0;
  for (let i = 0; i < key.length; i++) hash = (hash * 31 + key.charCodeAt(i)) | 0;
  return Math.abs(hash) % partitions;
}

export function createInMemoryTransport(options: InMemoryTransportOptions = {}): InMemoryTransport {
  const partitions = options.partitions ?? 3;
  const logs = new Map<string, IncomingRecord[]>();
  const nextOffsets = new Map<string, number>();
  const topics = new Map<string, TopicSpec>();
  const readers = new Set<ReaderState>();
  let closed = false;
  let unkeyed = 0;
  let connectedPublishers = 0;

  const logOf = (topic: string): IncomingRecord[] => {
    let log = logs.get(topic);
    if (!log) {
      log = [];
      logs.set(topic, log);
    }
    return log;
  };

  const append = (input: AppendRecord): IncomingRecord => {
    const partition = input.partition ?? partitionFor(input.key, partitions, unkeyed++);
    const offsetKey = `${input.topic}#${partition}`;
    const offset = nextOffsets.get(offsetKey) ?? 0;
    nextOffsets.set(offsetKey, offset + 1);
    const record: IncomingRecord = {
      topic: input.topic,
      partition,
      offset: String(offset),
      key: input.key ?? null,
      value: input.value === null ? null : typeof input.value === 'string' ? Buffer.from(input.value, 'utf8') : input.value,
      headers: { ...input.headers },
      timestamp: input.timestamp ?? Date.now(),
    };
    logOf(input.topic).push(record);
    for (const reader of readers) if (reader.topic === input.topic) reader.wake?.();
    return record;
  };

  const createPublisher = (): RecordPublisher => {
    let connected = false;
    return {
      async connect() {
        if (!connected) connectedPublishers++;
        connected = true;
      },
      async publish(records: readonly OutgoingRecord[]) {
        if (closed) throw new TransportError('in-memory transport is closed', false);
        if (!connected) throw new TransportError('publisher is not connected; call connect() first', false);
        await options.beforePublish?.(records);
        for (const r of records) append({ topic: r.topic, key: r.key, value: r.value, ...(r.headers ? { headers: r.headers } : {}) });
      },
      async disconnect() {
        if (connected) connectedPublishers--;
        connected = false;
      },
    };
  };

  const createReader = (readerOptions: TopicReaderOptions): TopicReader => {
    if (closed) throw new TransportError('in-memory transport is closed', false);
    const state: ReaderState = { id: readerOptions.readerId, topic: readerOptions.topic, next: 0, wake: undefined, idle: [], stopped: false };
    let started = false;
    let target = 0;
    /** Records up to this log index were already handed to `onFetched`. */
    let prefetched = 0;
    let isCaughtUp = false;
    let resolveCaughtUp!: () => void;
    let rejectCaughtUp!: (error: Error) => void;
    const caughtUp = new Promise<void>((resolve, reject) => {
      resolveCaughtUp = () => {
        isCaughtUp = true;
        resolve();
      };
      rejectCaughtUp = reject;
    });
    caughtUp.catch(() => undefined);

    const checkCaughtUp = (): void => {
      if (!isCaughtUp && state.next >= target) resolveCaughtUp();
    };

    const run = async (handler: RecordHandler): Promise<void> => {
      // Yield first: delivery never happens inside start() or append(), as with a real broker.
      await Promise.resolve();
      while (!state.stopped) {
        const log = logOf(state.topic);
        if (state.next >= log.length) {
          for (const resolve of state.idle.splice(0)) resolve();
          await new Promise<void>((resolve) => {
            state.wake = resolve;
          });
          state.wake = undefined;
          continue;
        }
        const record = log[state.next]!;
        const from = readerOptions.fromOffsets?.[String(record.partition)];
        if (from !== undefined && BigInt(record.offset) < BigInt(from)) {
          state.next++;
          checkCaughtUp();
          continue;
        }
        if (readerOptions.onFetched !== undefined && prefetched <= state.next) {
          // Hands over what is there now, as a broker fetch would, before the first is handled.
          const batch = log.slice(state.next).filter((r) => {
            const start = readerOptions.fromOffsets?.[String(r.partition)];
            return start === undefined || BigInt(r.offset) >= BigInt(start);
          });
          prefetched = log.length;
          readerOptions.onFetched(batch);
        }
        await options.beforeDeliver?.(record, state.id);
        if (state.stopped) break;
        try {
          await handler(record);
        } catch (error) {
          readerOptions.onHandlerError?.(error, record);
        }
        state.next++;
        checkCaughtUp();
      }
      for (const resolve of state.idle.splice(0)) resolve();
    };

    return {
      caughtUp,
      lag: () => (started ? Math.max(0, logOf(state.topic).length - state.next) : undefined),
      async start(handler) {
        if (started) throw new TypeError('TopicReader.start() called twice');
        if (state.stopped) throw new TypeError('TopicReader was stopped; create a new one');
        started = true;
        target = logOf(state.topic).length;
        readers.add(state);
        checkCaughtUp();
        void run(handler);
      },
      async stop() {
        if (state.stopped) return;
        state.stopped = true;
        readers.delete(state);
        if (!isCaughtUp) rejectCaughtUp(new TransportError(`reader of ${state.topic} stopped before catching up`, false));
        state.wake?.();
      },
    };
  };

  return {
    async ensureTopics(specs) {
      for (const spec of specs) if (!topics.has(spec.topic)) topics.set(spec.topic, spec);
    },
    createPublisher,
    createReader,
    async describeTopics(names) {
      // Per partition, the high watermark is the next offset to write there.
      return names.map((topic) => {
        const exists = topics.has(topic) || logs.has(topic);
        const highs = Array.from({ length: partitions }, (_, partition) => ({ partition, high: String(nextOffsets.get(`${topic}#${partition}`) ?? 0) }));
        return { topic, exists, partitions: exists ? highs : [] };
      });
    },
    async close() {
      closed = true;
    },
    append,
    records: (topic) => [...logOf(topic)],
    topics,
    get activeReaders() {
      return readers.size;
    },
    get closed() {
      return closed;
    },
    get connectedPublishers() {
      return connectedPublishers;
    },
    async settled() {
      await Promise.all(
        [...readers].map(
          (reader) =>
            new Promise<void>((resolve) => {
              if (reader.stopped || (reader.wake !== undefined && reader.next >= logOf(reader.topic).length)) resolve();
              else reader.idle.push(resolve);
            }),
        ),
      );
    },
  };
}
