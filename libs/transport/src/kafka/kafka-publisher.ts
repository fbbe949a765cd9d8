import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import type { OutgoingRecord, RecordPublisher } from '../transport';
import { TransportError } from '../transport-error';
import { toTransportError } from './kafka-errors';
import { unwrittenPartitions } from './unwritten-partitions';

/**
 * An idempotent, acks=all publisher. `maxInFlightRequests: 1` keeps retries from reordering
 * records, which the outbox relay relies on.
 */
export function createKafkaPublisher(kafka: Kafka): RecordPublisher {
  let producer: Producer | undefined;
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
      // Few quick retries here: the caller (outbox relay) owns the long backoff loop.
      retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
    });
    return producer;
  };

  return {
    async connect() {
      if (connected) return;
      try {
        await current().connect();
        connected = true;
      } catch (error) {
        await reset();
        throw toTransportError('connect publisher', error);
      }
    },
    async publish(records: readonly OutgoingRecord[]) {
      if (records.length === 0) return;
      await this.connect();
      const topicMessages: { topic: string; messages: { key: string; value: Buffer; headers: Record<string, string> }[] }[] = [];
      for (const record of records) {
        const last = topicMessages[topicMessages.length - 1];
        const message = { key: record.key, value: record.value, headers: { ...record.headers } };
        if (last && last.topic === record.topic) last.messages.push(message);
        else topicMessages.push({ topic: record.topic, messages: [message] });
      }
      try {
        const written = await current().sendBatch({ topicMessages, acks: -1 });
        const missing = unwrittenPartitions(
          topicMessages.flatMap(({ topic, messages }) => messages.flatMap((m) => (placed.has(m) ? [[topic, placed.get(m)!] as const] : []))),
          written,
        );
        if (missing.length > 0) {
          throw new TransportError(`kafkajs reported the batch sent but wrote nothing to ${missing.join(', ')} (a partition leader moved during its retry); sending it again`, true);
        }
      } catch (error) {
        await reset();
        throw toTransportError(`publish ${records.length} record(s)`, error);
      }
    },
    async disconnect() {
      await reset();
    },
  };
}
