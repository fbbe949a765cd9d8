import type { Kafka, Message, ProducerConfig, RecordMetadata } from 'kafkajs';
import { TransportError } from '../transport-error';
import { createKafkaPublisher } from './kafka-publisher';

/** A kafkajs stand-in whose sendBatch places every message with the publisher's partitioner and reports only `written` partitions. */
function fakeKafka(written: (placed: Set<number>) => number[]) {
  const sent: number[] = [];
  const kafka = {
    producer: (config: ProducerConfig) => ({
      connect: async () => undefined,
      disconnect: async () => undefined,
      sendBatch: async ({ topicMessages }: { topicMessages: { topic: string; messages: Message[] }[] }): Promise<RecordMetadata[]> => {
        sent.push(1);
        const partitioner = config.createPartitioner!();
        const partitionMetadata = [0, 1, 2].map((partitionId) => ({ partitionId, leader: partitionId + 1, partitionErrorCode: 0, replicas: [], isr: [] }));
        const placed = new Set<number>();
        for (const { topic, messages } of topicMessages) for (const message of messages) placed.add(partitioner({ topic, partitionMetadata, message }));
        return written(placed).map((partition) => ({ topicName: topicMessages[0]!.topic, partition, errorCode: 0 }));
      },
    }),
  } as unknown as Kafka;
  return { kafka, sent };
}

const records = Array.from({ length: 12 }, (_, i) => ({ topic: 't', key: `k${i}`, value: Buffer.from(String(i)), headers: {} }));

describe('kafka publisher', () => {
  it('resolves when every partition its records went to was written', async () => {
    const { kafka } = fakeKafka((placed) => [...placed]);
    await expect(createKafkaPublisher(kafka).publish(records)).resolves.toBeUndefined();
  });

  it('fails, retriably, when kafkajs reports the batch sent but a partition got no response (its records were not written)', async () => {
    const { kafka, sent } = fakeKafka((placed) => [...placed].slice(1));
    const publish = createKafkaPublisher(kafka).publish(records);
    await expect(publish).rejects.toThrow(TransportError);
    await expect(publish).rejects.toMatchObject({ retriable: true, message: expect.stringMatching(/^kafkajs reported the batch sent but wrote nothing to t:\d/) });
    expect(sent).toHaveLength(1);
  });
});
