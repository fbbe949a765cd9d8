import { randomUUID } from 'node:crypto';
import { ConfigResourceTypes, Kafka, logLevel, type Admin, type EachMessagePayload } from 'kafkajs';

// Proves the client we ship (kafkajs 2.2.4) against the broker we run (Kafka 4.x), through
// every API revmesh's transport relies on: topic creation with configs, idempotent acks=all
// produce with keys and headers, group consumption from the beginning, offsets, group deletion.

const brokers = (process.env['KAFKA_BROKERS'] ?? '').split(',').filter((b) => b.length > 0);

const kafka = new Kafka({ clientId: 'revmesh-local-kafka-int', brokers, logLevel: logLevel.NOTHING });

describe('kafkajs against the local broker', () => {
  const runId = randomUUID();
  const topic = `revmesh-int-${runId}`;
  const groupId = `revmesh-int-group-${runId}`;
  let admin: Admin;

  beforeAll(async () => {
    if (brokers.length === 0) throw new Error('KAFKA_BROKERS is not set: the integration globalSetup did not run');
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates, produces, consumes with headers, reports offsets and deletes the group', async () => {
    const created = await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: 3,
          replicationFactor: 1,
          configEntries: [{ name: 'cleanup.policy', value: 'compact,delete' }],
        },
      ],
    });
    expect(created).toBe(true);

    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['cleanup.policy'] }],
    });
    expect(described.resources[0]!.configEntries).toEqual([
      expect.objectContaining({ configName: 'cleanup.policy', configValue: 'compact,delete' }),
    ]);

    // Two keys, several records each: per-key order must survive partitioning.
    const sent = Array.from({ length: 10 }, (_, i) => ({
      key: `subject-${i % 2}`,
      value: `revocation-${i}`,
      headers: { traceparent: `00-${'a'.repeat(31)}${i}-${'b'.repeat(16)}-01`, seq: String(i) },
    }));

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const metadata = await producer.send({ topic, acks: -1, messages: sent });
      expect(metadata.length).toBeGreaterThan(0);
      for (const partition of metadata) expect(partition.errorCode).toBe(0);
    } finally {
      await producer.disconnect();
    }

    const received: EachMessagePayload[] = [];
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      const allReceived = new Promise<void>((resolve) => {
        void consumer.run({
          eachMessage: async (payload) => {
            received.push(payload);
            if (received.length === sent.length) resolve();
          },
        });
      });
      await withTimeout(allReceived, 30_000, () => `received ${received.length}/${sent.length} records`);
      // Commit what was consumed, so the group has offsets to show before it is deleted.
      await consumer.commitOffsets(
        received.map(({ partition, message }) => ({ topic, partition, offset: String(BigInt(message.offset) + 1n) })),
      );
    } finally {
      await consumer.disconnect();
    }

    const got = received.map(({ message }) => ({
      key: message.key?.toString(),
      value: message.value?.toString(),
      headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)])),
    }));
    expect([...got].sort(byValue)).toEqual([...sent].sort(byValue));
    for (const key of ['subject-0', 'subject-1']) {
      expect(got.filter((r) => r.key === key).map((r) => r.value)).toEqual(sent.filter((r) => r.key === key).map((r) => r.value));
    }

    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets).toHaveLength(3);
    const total = offsets.reduce((sum, p) => sum + (BigInt(p.high) - BigInt(p.low)), 0n);
    expect(total).toBe(BigInt(sent.length));

    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committedByPartition = new Map(committed[0]!.partitions.map((p) => [p.partition, p.offset]));
    for (const p of offsets) {
      // A partition that got no record keeps the "no commit" offset -1.
      expect(committedByPartition.get(p.partition)).toBe(p.high === p.low ? '-1' : p.high);
    }

    const deleted = await admin.deleteGroups([groupId]);
    expect(deleted).toEqual([expect.objectContaining({ groupId, errorCode: 0 })]);
    const { groups } = await admin.listGroups();
    expect(groups.map((g) => g.groupId)).not.toContain(groupId);
  });
});

function byValue(a: { value?: string }, b: { value?: string }): number {
  return (a.value ?? '').localeCompare(b.value ?? '');
}

async function withTimeout<T>(promise: Promise<T>, ms: number, progress: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${progress()}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
