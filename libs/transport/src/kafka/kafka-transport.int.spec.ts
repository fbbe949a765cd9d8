import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { createKafkaTransport } from './kafka-transport';
import type { EventTransport, IncomingRecord } from '../transport';
import { TransportError } from '../transport-error';

const brokers = (process.env['KAFKA_BROKERS'] ?? '').split(',');
const spec = (topic: string) => ({ topic, numPartitions: 3, configEntries: { 'cleanup.policy': 'compact,delete' } });
const record = (topic: string, key: string, n: number) => ({
  topic,
  key,
  value: Buffer.from(JSON.stringify({ n })),
  headers: { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`, n: String(n) },
});

describe('kafka transport (real broker)', () => {
  let transport: EventTransport;
  beforeAll(() => {
    transport = createKafkaTransport({ brokers, clientId: 'transport-int' });
  });
  afterAll(async () => {
    await transport.close();
  });

  it('creates topics with their configs, and a second ensureTopics is a no-op', async () => {
    const topic = `t-${randomUUID()}`;
    await transport.ensureTopics([spec(topic)]);
    await transport.ensureTopics([spec(topic)]);
    const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      // A new admin client may see the topic's metadata a moment after creation (fresh broker).
      let partitions = 0;
      await waitFor(() => partitions === 3, 10_000, async () => {
        partitions = (await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => undefined))?.topics[0]?.partitions.length ?? 0;
      });
      expect(partitions).toBe(3);
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2, name: topic, configNames: ['cleanup.policy', 'min.insync.replicas'] }],
      });
      const config = Object.fromEntries((configs.resources[0]?.configEntries ?? []).map((e) => [e.configName, e.configValue]));
      // A single broker: one replica, and so one in-sync replica is enough.
      expect(config).toEqual({ 'cleanup.policy': 'compact,delete', 'min.insync.replicas': '1' });
    } finally {
      await admin.disconnect();
    }
  });

  it('publishes in order per key and every reader sees every record with its headers', async () => {
    const topic = `t-${randomUUID()}`;
    await transport.ensureTopics([spec(topic)]);
    const publisher = transport.createPublisher();
    await publisher.publish(Array.from({ length: 30 }, (_, n) => record(topic, `k${n % 4}`, n)));

    const seen: IncomingRecord[][] = [[], []];
    const readers = seen.map((bucket, i) => transport.createReader({ topic, readerId: `r${i}` }));
    expect(readers[0]!.lag()).toBeUndefined();
    await Promise.all(readers.map((r, i) => r.start((rec) => void seen[i]!.push(rec))));
    await Promise.all(readers.map((r) => r.caughtUp));
    // Lag comes from the fetches' high watermarks: nothing left once caught up.
    for (const r of readers) expect(r.lag()).toBe(0);
    // caughtUp means everything that existed at start was handed over.
    for (const bucket of seen) {
      expect(bucket).toHaveLength(30);
      for (const key of ['k0', 'k1', 'k2', 'k3']) {
        const ns = bucket.filter((r) => r.key === key).map((r) => Number(r.headers['n']));
        expect(ns).toEqual([...ns].sort((a, b) => a - b));
      }
      expect(bucket[0]!.headers['traceparent']).toMatch(/^00-a{32}-b{16}-01$/);
    }

    // Records published after start are delivered too.
    await publisher.publish([record(topic, 'late', 99)]);
    await waitFor(() => seen.every((b) => b.some((r) => r.key === 'late')));
    await Promise.all(readers.map((r) => r.stop()));
    await publisher.disconnect();
  });

  it('is caught up at once on an empty topic, and leaves no consumer group behind', async () => {
    const topic = `t-${randomUUID()}`;
    await transport.ensureTopics([spec(topic)]);
    const reader = transport.createReader({ topic, readerId: 'empty' });
    await reader.start(() => undefined);
    await expect(reader.caughtUp).resolves.toBeUndefined();
    await reader.stop();
    const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const { groups } = await admin.listGroups();
      expect(groups.filter((g) => g.groupId.startsWith('revmesh-reader.empty.'))).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  });

  it('keeps reading after a handler throws', async () => {
    const topic = `t-${randomUUID()}`;
    await transport.ensureTopics([spec(topic)]);
    const publisher = transport.createPublisher();
    await publisher.publish([record(topic, 'same', 1), record(topic, 'same', 2)]);
    const errors: unknown[] = [];
    const handled: number[] = [];
    const reader = transport.createReader({ topic, readerId: 'throws', onHandlerError: (e) => errors.push(e) });
    await reader.start((rec) => {
      const n = Number(rec.headers['n']);
      if (n === 1) throw new Error('boom');
      handled.push(n);
    });
    await reader.caughtUp;
    expect(errors).toHaveLength(1);
    expect(handled).toEqual([2]);
    await reader.stop();
    await publisher.disconnect();
  });

  it('reports an unreachable broker as a retriable TransportError', async () => {
    const dead = createKafkaTransport({ brokers: ['127.0.0.1:1'], connectionTimeoutMs: 300, logger: { warn: () => undefined, error: () => undefined } });
    const publisher = dead.createPublisher();
    const failure = await publisher.publish([record('nowhere', 'k', 1)]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TransportError);
    expect((failure as TransportError).retriable).toBe(true);
    await publisher.disconnect();
    await dead.close();
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 15000, poll?: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await poll?.();
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
    await poll?.();
  }
}
