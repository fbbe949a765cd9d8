import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { IncomingRecord } from '../transport';
import { createKafkaTransport, type KafkaTransport } from './kafka-transport';

const brokers = (process.env['KAFKA_BROKERS'] ?? '').split(',');
const spec = (topic: string) => ({ topic, numPartitions: 1, configEntries: {} });
const record = (topic: string, n: number) => ({ topic, key: `k${n}`, value: Buffer.from(String(n)), headers: {} });

async function until(what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A topic deleted under a running transport (an operator's mistake, or a broker that lost its data). */
describe('kafka transport when a topic is deleted and recreated (real broker)', () => {
  let transport: KafkaTransport;
  beforeAll(() => {
    transport = createKafkaTransport({ brokers, clientId: 'topic-loss-int' });
  });
  afterAll(async () => {
    await transport.close();
  });

  it('sees the topic gone, recreates it, and its reader and publisher carry on with the new topic', async () => {
    const topic = `loss-${randomUUID()}`;
    await transport.ensureTopics([spec(topic)]);
    const publisher = transport.createPublisher();
    await publisher.connect();
    for (let n = 0; n < 3; n++) await publisher.publish([record(topic, n)]);
    const seen: string[] = [];
    const resets: string[] = [];
    const reader = transport.createReader({ topic, readerId: 'loss', onReset: (r) => resets.push(`${r.previousOffset}->${r.offset}`) });
    await reader.start(async (r: IncomingRecord) => void seen.push(r.value!.toString()));
    await reader.caughtUp;
    expect(seen).toEqual(['0', '1', '2']);
    const [before] = await transport.describeTopics([topic]);
    expect(before).toEqual({ topic, exists: true, partitions: [{ partition: 0, high: '3' }] });

    const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
    await until('the topic gone', async () => !(await transport.describeTopics([topic]))[0]!.exists);

    // kafkajs' admin alone would fail here for good (it keeps asking for the deleted topic's metadata).
    await until('the topic recreated', async () => {
      try {
        await transport.ensureTopics([spec(topic)]);
        return (await transport.describeTopics([topic]))[0]!.exists;
      } catch {
        return false;
      }
    });
    await until('a publish to the new topic', async () => {
      try {
        await publisher.publish([record(topic, 10)]);
        return true;
      } catch {
        return false;
      }
    });
    await until('the reader on the new topic', () => seen.includes('10'));
    expect(resets).toEqual(['2->0']);
    await reader.stop();
    await publisher.disconnect();
  });
});
