import type { Admin, ConsumerRunConfig, Kafka, KafkaMessage } from 'kafkajs';
import type { TransportLogger } from '../logger';
import type { IncomingRecord } from '../transport';
import { createKafkaReader } from './kafka-reader';

const TOPIC = 'revocations';

/**
 * A one-partition kafkajs stand-in with kafkajs' offset semantics for a group without committed
 * offsets: a (re)join starts the partition at its earliest offset unless a seek was made, an
 * offset past the end resets to the earliest, and a seek takes effect at the next fetch.
 */
function fakeKafka() {
  let log: KafkaMessage[] = [];
  let position = 0;
  let pendingSeek: string | undefined;
  let run: ConsumerRunConfig | undefined;
  const joinListeners: ((event: { payload: { memberAssignment: Record<string, number[]> } }) => void)[] = [];
  const consumer = {
    events: { GROUP_JOIN: 'consumer.group_join' },
    connect: async () => undefined,
    disconnect: async () => undefined,
    subscribe: async () => undefined,
    on: (_event: string, listener: (typeof joinListeners)[number]) => void joinListeners.push(listener),
    run: async (config: ConsumerRunConfig) => void (run = config),
    seek: ({ offset }: { offset: string }) => void (pendingSeek = offset),
  };
  const message = (offset: number, text: string, timestamp = '1000'): KafkaMessage =>
    ({ offset: String(offset), key: Buffer.from(`k${offset}`), value: Buffer.from(text), timestamp, attributes: 0, headers: {} }) as KafkaMessage;
  const fake = {
    kafka: { consumer: () => consumer } as unknown as Kafka,
    withAdmin: <T>(use: (admin: Admin) => Promise<T>) =>
      use({ fetchTopicOffsets: async () => [{ partition: 0, offset: String(log.length), low: '0', high: String(log.length) }] } as unknown as Admin),
    append(...texts: string[]) {
      for (const text of texts) log.push(message(log.length, text));
    },
    /** The topic deleted and recreated with these records (new timestamps). */
    replaceTopic(...texts: string[]) {
      log = texts.map((text, offset) => message(offset, text, '2000'));
    },
    /** A rebalance: no committed offsets, so the partition starts over at its earliest offset, then listeners may seek. */
    rejoin() {
      position = 0;
      pendingSeek = undefined;
      for (const listener of joinListeners) listener({ payload: { memberAssignment: { [TOPIC]: [0] } } });
    },
    /** kafkajs' fetch position going back without a rejoin (after a broker died). */
    rewindTo(offset: number) {
      position = offset;
    },
    /** One fetch: applies a pending seek, then hands over everything from the position in one batch. */
    async fetch() {
      if (pendingSeek !== undefined) position = pendingSeek === '-2' ? 0 : Number(pendingSeek);
      pendingSeek = undefined;
      if (position > log.length) position = 0;
      const from = position;
      position = log.length;
      await fake.deliver(from);
    },
    /** Hands over a batch from `from` without moving the position: a fetch made before a rejoin, handled after it. */
    async deliver(from: number, to = log.length) {
      const messages = log.slice(from, to);
      if (messages.length === 0) return;
      const lastOffset = String(from + messages.length - 1);
      await run!.eachBatch!({
        batch: { topic: TOPIC, partition: 0, highWatermark: String(log.length), messages, isEmpty: () => false, lastOffset: () => lastOffset },
        heartbeat: async () => undefined,
        isRunning: () => true,
        isStale: () => false,
      } as unknown as Parameters<NonNullable<ConsumerRunConfig['eachBatch']>>[0]);
    },
  };
  return fake;
}

const silent: TransportLogger = { warn: () => undefined, error: () => undefined };

async function startReader(fake: ReturnType<typeof fakeKafka>, fromOffsets?: Record<string, string>) {
  const seen: string[] = [];
  const resets: string[] = [];
  const reader = createKafkaReader(fake.kafka, fake.withAdmin, silent, {
    topic: TOPIC,
    readerId: 'spec',
    onReset: (r) => resets.push(`${r.previousOffset}->${r.offset}`),
    ...(fromOffsets === undefined ? {} : { fromOffsets }),
  });
  await reader.start(async (record: IncomingRecord) => void seen.push(record.value!.toString()));
  fake.rejoin();
  return { reader, seen, resets };
}

describe('kafka reader across group rejoins', () => {
  it('keeps its position when the group rejoins: nothing already handed over is read again', async () => {
    const fake = fakeKafka();
    fake.append('a', 'b', 'c');
    const { reader, seen, resets } = await startReader(fake);
    await fake.fetch();
    await reader.caughtUp;
    expect(seen).toEqual(['a', 'b', 'c']);

    fake.rejoin();
    fake.append('d');
    await fake.fetch();
    fake.rejoin();
    await fake.fetch();
    expect(seen).toEqual(['a', 'b', 'c', 'd']);

    // A batch fetched before the rejoin, handed over after it: the place is where that batch left it.
    fake.append('e');
    fake.rejoin();
    await fake.deliver(4);
    await fake.fetch();
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(resets).toEqual([]);
  });

  it('keeps its position when kafkajs goes back without a rejoin, even to before the batch that reaches it', async () => {
    const fake = fakeKafka();
    fake.append('a', 'b', 'c', 'd');
    const { seen, resets } = await startReader(fake);
    await fake.fetch();
    fake.rewindTo(1);
    await fake.fetch();
    fake.append('e');
    // A batch that stops short of the last record handed over: the reader seeks back to it.
    await fake.deliver(0, 2);
    await fake.fetch();
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(resets).toEqual([]);
  });

  it('reads a topic recreated under the same offsets from its beginning, and reports the reset', async () => {
    const fake = fakeKafka();
    fake.append('a', 'b');
    const { seen, resets } = await startReader(fake);
    await fake.fetch();

    fake.replaceTopic('x', 'y', 'z');
    fake.rejoin();
    await fake.fetch(); // finds a different record at offset 1: seeks to the beginning
    await fake.fetch();
    expect(seen).toEqual(['a', 'b', 'x', 'y', 'z']);
    expect(resets).toEqual(['1->0']);
  });

  it('reads a recreated topic shorter than its position from its beginning (offset out of range)', async () => {
    const fake = fakeKafka();
    fake.append('a', 'b', 'c');
    const { seen, resets } = await startReader(fake);
    await fake.fetch();

    fake.replaceTopic();
    fake.rejoin();
    await fake.fetch();
    fake.append('n');
    await fake.fetch(); // the last record read is not there: seeks back to it once
    await fake.fetch(); // out of range: from the beginning
    expect(seen).toEqual(['a', 'b', 'c', 'n']);
    expect(resets).toEqual(['2->0']);
  });

  it('a rejoin before anything was handed over starts again at the offsets asked for, not at the beginning', async () => {
    const fake = fakeKafka();
    fake.append('a', 'b', 'c');
    const { reader, seen } = await startReader(fake, { '0': '2' });
    fake.rejoin();
    await fake.fetch();
    await reader.caughtUp;
    expect(seen).toEqual(['c']);
  });
});
