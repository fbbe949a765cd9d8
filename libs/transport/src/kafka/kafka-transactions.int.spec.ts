import { randomUUID } from 'node:crypto';
import { createKafkaTransport } from './kafka-transport';
import type { EventTransport, IncomingRecord } from '../transport';

const brokers = (process.env['KAFKA_BROKERS'] ?? '').split(',');
const record = (topic: string, n: number, from: string) => ({ topic, key: `k${n % 2}`, value: Buffer.from(String(n)), headers: { from } });

/** Reads the whole topic (read committed) until `count` records came, or fails after 15 s. */
async function readAll(transport: EventTransport, topic: string, count: number): Promise<IncomingRecord[]> {
  const seen: IncomingRecord[] = [];
  const reader = transport.createReader({ topic, readerId: `tx-${randomUUID()}` });
  await reader.start((r) => void seen.push(r));
  await reader.caughtUp;
  const deadline = Date.now() + 15_000;
  while (seen.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await reader.stop();
  return seen;
}

describe('kafka transactional publisher (real broker)', () => {
  let transport: EventTransport;
  beforeAll(() => {
    transport = createKafkaTransport({ brokers, clientId: 'transport-tx-int' });
  });
  afterAll(async () => {
    await transport.close();
  });

  it('lets only the publisher that started last write under a transactional id: the older one is refused by the broker', async () => {
    const topic = `tx-${randomUUID()}`;
    await transport.ensureTopics([{ topic, numPartitions: 1, configEntries: {} }]);
    const transactionalId = `revmesh-test-${randomUUID()}`;
    const old = transport.createPublisher({ transactionalId });
    await old.publish([record(topic, 1, 'old'), record(topic, 2, 'old')]);
    const next = transport.createPublisher({ transactionalId });
    await next.publish([record(topic, 3, 'next')]);
    // The old producer's epoch was bumped by the new one's initTransactions: PRODUCER_FENCED.
    await expect(old.publish([record(topic, 4, 'old')])).rejects.toMatchObject({ name: 'TransportError' });
    await next.publish([record(topic, 5, 'next')]);
    const seen = await readAll(transport, topic, 4);
    expect(seen.map((r) => `${r.headers['from']}:${r.value!.toString()}`)).toEqual(['old:1', 'old:2', 'next:3', 'next:5']);
    await old.disconnect();
    await next.disconnect();
  });

  it('aborts the transaction when the fence refuses before its commit, so a read-committed reader never sees it', async () => {
    const topic = `tx-${randomUUID()}`;
    await transport.ensureTopics([{ topic, numPartitions: 1, configEntries: {} }]);
    let allowed = true;
    let checks = 0;
    const refusal = new Error('lease lost');
    const publisher = transport.createPublisher({
      transactionalId: `revmesh-test-${randomUUID()}`,
      fence: () => {
        checks += 1;
        // Allowed at send, refused at commit (the lease lapsed while sending).
        if (!allowed && checks % 2 === 0) throw refusal;
      },
    });
    await publisher.publish([record(topic, 1, 'a')]);
    allowed = false;
    await expect(publisher.publish([record(topic, 2, 'a')])).rejects.toBe(refusal);
    allowed = true;
    await publisher.publish([record(topic, 3, 'a'), record(topic, 4, 'a')]);
    // Concurrent calls queue one transaction after the other.
    await Promise.all([publisher.publish([record(topic, 5, 'a')]), publisher.publish([record(topic, 6, 'a')])]);
    const seen = await readAll(transport, topic, 5);
    expect(seen.map((r) => r.value!.toString())).toEqual(['1', '3', '4', '5', '6']);
    await publisher.disconnect();
  });
});
