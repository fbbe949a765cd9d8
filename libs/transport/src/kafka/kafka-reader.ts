import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { IncomingRecord, RecordHandler, TopicReader, TopicReaderOptions } from '../transport';
import { TransportError } from '../transport-error';
import type { TransportLogger } from '../logger';
import { toTransportError } from './kafka-errors';

const DEFAULT_MAX_WAIT_MS = 100;
/** kafkajs' seek offset for "the partition's earliest retained offset". */
const EARLIEST_OFFSET = '-2';

/** The same record: what a rejoin's seek finds again at the offset read last, unless the topic was replaced. */
function sameMessage(a: KafkaMessage, b: KafkaMessage): boolean {
  const key = (m: KafkaMessage) => m.key ?? Buffer.alloc(0);
  const value = (m: KafkaMessage) => m.value ?? Buffer.alloc(0);
  return a.timestamp === b.timestamp && key(a).equals(key(b)) && value(a).equals(value(b)) && (a.value === null) === (b.value === null);
}

/**
 * A private, whole-topic reader. kafkajs has no group-less `assign()`, so each reader joins a
 * consumer group of its own (unique id) and never commits offsets: every reader sees every
 * record, and the broker keeps no committed offsets for it. The empty group is deleted on stop.
 *
 * kafkajs still goes back when a broker dies: the group rejoins and starts each partition over
 * from its beginning (no committed offsets), or a fetch position falls back to where the group's
 * generation started. So when a batch starts at or before the last record handed over, the reader
 * finds that record again (in the batch, or by seeking back to it) and checks that it is the same
 * one (key, timestamp, value): then it goes on after it, handing nothing over twice.
 * A different record there means the topic was replaced under the same offsets; the reader then
 * reads it from its beginning (offsets go backwards, `onReset`), as it does when the old position
 * is out of the new topic's range.
 */
export function createKafkaReader(
  kafka: Kafka,
  withAdmin: <T>(use: (admin: Admin) => Promise<T>) => Promise<T>,
  logger: TransportLogger,
  options: TopicReaderOptions,
): TopicReader {
  const groupId = `revmesh-reader.${options.readerId}.${randomUUID()}`;
  const maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  let consumer: Consumer | undefined;
  let stopped = false;
  let started = false;

  let resolveCaughtUp!: () => void;
  let rejectCaughtUp!: (error: Error) => void;
  let isCaughtUp = false;
  const caughtUp = new Promise<void>((resolve, reject) => {
    resolveCaughtUp = () => {
      isCaughtUp = true;
      resolve();
    };
    rejectCaughtUp = reject;
  });
  // Callers may never await it (e.g. stop before ready); that is not an unhandled rejection.
  caughtUp.catch(() => undefined);

  /** Per partition: the offset the reader must reach (exclusive) to have seen everything that existed at start. */
  const targets = new Map<number, bigint>();
  const checkCaughtUp = (): void => {
    if (!isCaughtUp && targets.size === 0) resolveCaughtUp();
  };
  /** Per partition: high watermark of the last fetch minus the next offset to hand over. */
  const lagByPartition = new Map<number, bigint>();
  const advance = (partition: number, nextOffset: bigint): void => {
    const target = targets.get(partition);
    if (target !== undefined && nextOffset >= target) {
      targets.delete(partition);
      checkCaughtUp();
    }
  };

  /** Per partition: the last offset handed over, to notice offsets going backwards (topic recreated). */
  const lastOffsets = new Map<number, bigint>();
  const noticeReset = (partition: number, offset: bigint): void => {
    const previous = lastOffsets.get(partition);
    lastOffsets.set(partition, offset);
    if (previous !== undefined && offset <= previous) {
      logger.warn(`reader of ${options.topic}: offsets went backwards (topic recreated or its data lost); reading it again from its beginning`, {
        topic: options.topic,
        partition,
        previousOffset: previous.toString(),
        offset: offset.toString(),
      });
      options.onReset?.({ partition, previousOffset: previous.toString(), offset: offset.toString() });
    }
  };

  /** Per partition: the last record handed over, to find the reader's place again after a rejoin. */
  const lastHandled = new Map<number, KafkaMessage>();
  /** Per partition: sought back to the last record handed over, after a batch went back behind it. */
  const soughtBack = new Set<number>();
  const onGroupJoin = (c: Consumer, assigned: readonly number[]): void => {
    // Nothing handed over yet: start where asked again, not at the partition's beginning.
    for (const partition of assigned) {
      const from = options.fromOffsets?.[String(partition)];
      if (from !== undefined && !lastHandled.has(partition)) c.seek({ topic: options.topic, partition, offset: from });
    }
  };
  /**
   * A batch that starts at or before the last record handed over (kafkajs went back: a group
   * rejoin, or its fetch position reset after a broker died): what to do with it. `skip` it (the
   * reader sought elsewhere), skip its records up to an offset (handed over already), or hand it
   * all over (`undefined`). The last record handed over found again unchanged means the same
   * topic; a different record there means a topic replaced under the same offsets: read it from
   * its beginning. Not found even after seeking back to it (out of range, the data gone): the
   * offsets went backwards, and the reader notices it as it reads.
   */
  const resumeAfterRewind = (c: Consumer, partition: number, messages: readonly KafkaMessage[]): 'skip' | bigint | undefined => {
    const first = messages[0];
    const last = lastHandled.get(partition);
    if (first === undefined || last === undefined || BigInt(first.offset) > BigInt(last.offset)) return undefined;
    const again = messages.find((m) => m.offset === last.offset);
    if (again !== undefined) {
      soughtBack.delete(partition);
      if (sameMessage(again, last)) return BigInt(last.offset);
      logger.warn(`reader of ${options.topic}: a different record at the offset read last (topic recreated); reading it again from its beginning`, {
        topic: options.topic,
        partition,
        offset: last.offset,
      });
      // Nothing of the new topic was handed over: read it all (the offsets going back are noticed as it reads).
      lastHandled.delete(partition);
      c.seek({ topic: options.topic, partition, offset: EARLIEST_OFFSET });
      return 'skip';
    }
    if (!soughtBack.has(partition) && BigInt(messages[messages.length - 1]!.offset) < BigInt(last.offset)) {
      soughtBack.add(partition);
      c.seek({ topic: options.topic, partition, offset: last.offset });
      return 'skip';
    }
    soughtBack.delete(partition);
    return undefined;
  };

  const toRecord = (partition: number, message: EachBatchPayload['batch']['messages'][number]): IncomingRecord => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(message.headers ?? {})) {
      if (value === undefined) continue;
      const first = Array.isArray(value) ? value[0] : value;
      if (first !== undefined) headers[name] = first.toString();
    }
    return {
      topic: options.topic,
      partition,
      offset: message.offset,
      key: message.key ? message.key.toString() : null,
      value: message.value,
      headers,
      timestamp: Number(message.timestamp),
    };
  };

  const startOnce = async (handler: RecordHandler): Promise<void> => {
    targets.clear();
    const offsets = await withAdmin((a) => a.fetchTopicOffsets(options.topic));
    for (const { partition, low, high } of offsets) {
      const from = options.fromOffsets?.[String(partition)];
      const first = from === undefined || BigInt(from) < BigInt(low) ? BigInt(low) : BigInt(from);
      if (BigInt(high) > first) targets.set(partition, BigInt(high));
    }
    const c = kafka.consumer({
      groupId,
      maxWaitTimeInMs: maxWaitMs,
      ...(options.maxBytesPerPartition === undefined
        ? {}
        : { maxBytesPerPartition: options.maxBytesPerPartition, maxBytes: Math.max(options.maxBytesPerPartition, 10 * 1024 * 1024) }),
      allowAutoTopicCreation: false,
      // Read committed (kafkajs' default, said out loud): records of a transaction the authority's
      // relay aborted, or a fenced stale leader could not commit, are never handed over.
      readUncommitted: false,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 2000 },
    });
    try {
      await c.connect();
      c.on(c.events.GROUP_JOIN, ({ payload }) => onGroupJoin(c, payload.memberAssignment[options.topic] ?? []));
      // A batch of transaction markers or aborted records only never reaches eachBatch: its offsets
      // still count as read, or caughtUp would wait for a record that is never handed over.
      c.on(c.events.END_BATCH_PROCESS, ({ payload }) => {
        if (payload.topic === options.topic && payload.batchSize === 0) advance(payload.partition, BigInt(payload.lastOffset) + 1n);
      });
      await c.subscribe({ topics: [options.topic], fromBeginning: true });
      await c.run({
        autoCommit: false,
        eachBatchAutoResolve: true,
        eachBatch: async ({ batch, heartbeat, isRunning, isStale }) => {
          const resume = resumeAfterRewind(c, batch.partition, batch.messages);
          if (resume === 'skip') return;
          const records = batch.messages.map((message) => toRecord(batch.partition, message));
          const fresh = resume === undefined ? records : records.filter((r) => BigInt(r.offset) > resume);
          if (options.onFetched !== undefined && fresh.length > 0) options.onFetched(fresh);
          for (const [i, message] of batch.messages.entries()) {
            if (!isRunning() || isStale()) return;
            if (resume !== undefined && BigInt(message.offset) <= resume) continue;
            noticeReset(batch.partition, BigInt(message.offset));
            lastHandled.set(batch.partition, message);
            const record = records[i]!;
            try {
              await handler(record);
            } catch (error) {
              options.onHandlerError?.(error, record);
            }
            advance(batch.partition, BigInt(message.offset) + 1n);
            lagByPartition.set(batch.partition, BigInt(batch.highWatermark) - (BigInt(message.offset) + 1n));
          }
          // Compaction can leave the batch's last offset without a message; the batch still covers it.
          if (!batch.isEmpty()) {
            advance(batch.partition, BigInt(batch.lastOffset()) + 1n);
            const remaining = BigInt(batch.highWatermark) - (BigInt(batch.lastOffset()) + 1n);
            lagByPartition.set(batch.partition, remaining > 0n ? remaining : 0n);
          }
          await heartbeat();
        },
      });
      // After run(): kafkajs applies a seek once the partition is assigned, before its first fetch.
      for (const [partition, offset] of Object.entries(options.fromOffsets ?? {})) {
        c.seek({ topic: options.topic, partition: Number(partition), offset });
      }
    } catch (error) {
      await c.disconnect().catch(() => undefined);
      throw error;
    }
    if (stopped) {
      await c.disconnect().catch(() => undefined);
      throw new TransportError(`reader of ${options.topic} stopped while starting`, false);
    }
    consumer = c;
    checkCaughtUp();
  };

  return {
    caughtUp,
    lag() {
      if (lagByPartition.size === 0) return isCaughtUp ? 0 : undefined;
      let total = 0n;
      for (const value of lagByPartition.values()) total += value > 0n ? value : 0n;
      return Number(total);
    },
    async start(handler: RecordHandler) {
      if (started) throw new TypeError('TopicReader.start() called twice');
      if (stopped) throw new TypeError('TopicReader was stopped; create a new one');
      started = true;
      // The topic may not exist yet (the authority creates it at boot) and the broker may be
      // down: keep trying until it works or stop() is called, so a service can boot during a
      // Kafka hiccup and become ready once Kafka is back.
      let delayMs = 100;
      let warned = false;
      for (;;) {
        try {
          await startOnce(handler);
          if (warned) logger.warn(`reader of ${options.topic} started after retrying`, { topic: options.topic });
          return;
        } catch (error) {
          if (stopped) throw toTransportError(`start reading ${options.topic}`, error);
          if (!warned) {
            logger.warn(`reader of ${options.topic} cannot start yet; retrying`, {
              topic: options.topic,
              error: error instanceof Error ? error.message : String(error),
            });
            warned = true;
          }
          await new Promise((r) => setTimeout(r, delayMs));
          delayMs = Math.min(delayMs * 2, 2000);
        }
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (!isCaughtUp) rejectCaughtUp(new TransportError(`reader of ${options.topic} stopped before catching up`, false));
      const c = consumer;
      consumer = undefined;
      if (!c) return;
      await c.disconnect().catch(() => undefined);
      // Best effort: the group has no offsets and no members; deleting it leaves no litter.
      await withAdmin((a) => a.deleteGroups([groupId])).catch(() => undefined);
    },
  };
}
