import { Partitioners, type Kafka, type Message, type Producer, type RecordMetadata } from 'kafkajs';
import type { OutgoingRecord, PublisherOptions, RecordPublisher } from '../transport';
import { TransportError } from '../transport-error';
import { toTransportError } from './kafka-errors';
import { unwrittenPartitions } from './unwritten-partitions';

/**
 * An idempotent, acks=all publisher. `maxInFlightRequests: 1` keeps retries from reordering
 * records, which the outbox relay relies on. With a `transactionalId`, each publish is one
 * transaction (one at a time), refused by the broker once a newer producer took the id.
 */
export function createKafkaPublisher(kafka: Kafka, options: PublisherOptions = {}): RecordPublisher {
  const { transactionalId, fence } = options;
  let producer: Producer | undefined;
  // A transactional producer runs one transaction at a time: publishes queue behind each other.
  let queue: Promise<unknown> = Promise.resolve();
  let connected = false;
  // Where the partitioner put each message of the batches in flight (see unwrittenPartitions).
  const placed = new WeakMap<Message, number>();

  const reset = async (): Promise<void> => {
    // A kafkajs producer that failed mid-way cannot be trusted to recover; start fresh next time.
    const p = producer;
    producer = undefined;
    connected = false;
    await p?.disconnect().catch(() => undefined);
  };

  const current = (): Producer => {
    producer ??= kafka.producer({
      idempotent: true,
      ...(transactionalId === undefined ? {} : { transactionalId }),
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Java-compatible murmur2: other Kafka clients place a key on the same partition.
      createPartitioner: () => {
        const partition = Partitioners.DefaultPartitioner();
        return (args) => {
          const chosen = partition(args);
          placed.set(args.message, chosen);
          return chosen;
        };
      },
      // Few quick retries here: the caller (outbox relay) owns the long backoff loop. A transaction
      // begun right after the previous commit meets CONCURRENT_TRANSACTIONS until the broker wrote
      // that commit's markers (a few ms): retried from 10 ms, not 100, or every batch waits 100 ms.
      retry: transactionalId === undefined ? { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 } : { retries: 5, initialRetryTime: 10, maxRetryTime: 1000 },
    });
    return producer;
  };

  async function connect(): Promise<void> {
    if (connected) return;
    try {
      await current().connect();
      connected = true;
    } catch (error) {
      await reset();
      throw toTransportError('connect publisher', error);
    }
  }

  /** Throws when kafkajs reports the batch sent but some partition got none of it. */
  function checkWritten(topicMessages: readonly { topic: string; messages: readonly Message[] }[], written: RecordMetadata[]): void {
    const missing = unwrittenPartitions(
      topicMessages.flatMap(({ topic, messages }) => messages.flatMap((m) => (placed.has(m) ? [[topic, placed.get(m)!] as const] : []))),
      written,
    );
    if (missing.length > 0) {
      throw new TransportError(`kafkajs reported the batch sent but wrote nothing to ${missing.join(', ')} (a partition leader moved during its retry); sending it again`, true);
    }
  }

  async function publishNow(records: readonly OutgoingRecord[]): Promise<void> {
    await connect();
    const topicMessages: { topic: string; messages: { key: string; value: Buffer; headers: Record<string, string> }[] }[] = [];
    for (const record of records) {
      const last = topicMessages[topicMessages.length - 1];
      const message = { key: record.key, value: record.value, headers: { ...record.headers } };
      if (last && last.topic === record.topic) last.messages.push(message);
      else topicMessages.push({ topic: record.topic, messages: [message] });
    }
    let refused = false;
    const check = (): void => {
      try {
        fence?.();
      } catch (error) {
        refused = true;
        throw error;
      }
    };
    try {
      check();
      if (transactionalId === undefined) {
        checkWritten(topicMessages, await current().sendBatch({ topicMessages, acks: -1 }));
        return;
      }
      const transaction = await current().transaction();
      try {
        checkWritten(topicMessages, await transaction.sendBatch({ topicMessages, acks: -1 }));
        // The right to publish may have been lost while sending: then nothing of it becomes visible.
        check();
        await transaction.commit();
      } catch (error) {
        if (transaction.isActive()) await transaction.abort().catch(() => undefined);
        throw error;
      }
    } catch (error) {
      await reset();
      // The fence's own error goes to the caller as it is: it is the caller's condition, not the broker's.
      if (refused) throw error;
      throw toTransportError(`publish ${records.length} record(s)`, error);
    }
  }

  return {
    connect,
    publish(records: readonly OutgoingRecord[]) {
      if (records.length === 0) return Promise.resolve();
      if (transactionalId === undefined) return publishNow(records);
      const run = queue.then(() => publishNow(records));
      queue = run.catch(() => undefined);
      return run;
    },
    async disconnect() {
      await reset();
    },
  };
}
