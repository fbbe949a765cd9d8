import type { TopicSpec } from '@revmesh/contracts';
import type { TopicState } from '@revmesh/transport';
import { openCoreFixture, type CoreFixture } from '../testing/core-fixture.spec-helper';

/** A broker as the guard sees it: topics with per-partition high watermarks, or none. */
class FakeBroker {
  readonly topics = new Map<string, Record<number, bigint>>();
  readonly created: string[] = [];
  append(topic: string, partition: number, n: number): void {
    const partitions = this.topics.get(topic) ?? {};
    partitions[partition] = (partitions[partition] ?? 0n) + BigInt(n);
    this.topics.set(topic, partitions);
  }
  delete(topic: string): void {
    this.topics.delete(topic);
  }
  readonly inspector = {
    describeTopics: async (names: readonly string[]): Promise<TopicState[]> =>
      names.map((topic) => {
        const partitions = this.topics.get(topic);
        return partitions === undefined
          ? { topic, exists: false, partitions: [] }
          : { topic, exists: true, partitions: Object.entries(partitions).map(([p, high]) => ({ partition: Number(p), high: high.toString() })) };
      }),
  };
  readonly ensureTopics = async (specs: readonly TopicSpec[]): Promise<void> => {
    for (const spec of specs) {
      if (this.topics.has(spec.topic)) continue;
      this.created.push(spec.topic);
      this.topics.set(spec.topic, Object.fromEntries(Array.from({ length: spec.numPartitions }, (_, p) => [p, 0n])));
    }
  };
}

describe('topic guard', () => {
  let fixture: CoreFixture;
  let broker: FakeBroker;
  const revocationsTopic = () => fixture.core.topics.revocations.topic;
  const keysTopic = () => fixture.core.topics.keys.topic;
  const guard = () => fixture.core.createTopicGuard({ inspector: broker.inspector, ensureTopics: broker.ensureTopics });
  const unpublished = (topic: string) => fixture.core.outbox.unpublished(10_000).filter((e) => e.record.topic === topic);
  const publishAll = () => fixture.core.outbox.markPublished(fixture.core.outbox.unpublished(10_000).map((e) => e.seq), fixture.time.now);

  beforeEach(async () => {
    fixture = await openCoreFixture();
    broker = new FakeBroker();
    await broker.ensureTopics([fixture.core.topics.revocations, fixture.core.topics.keys]);
    await fixture.core.revocations.revoke({ target: { type: 'jti', value: 'leaked-1' }, reason: 'leak', actor: { kind: 'system', id: 'test' } });
    await fixture.core.revocations.revoke({ target: { type: 'sub', value: 'alice' }, reason: 'leak', actor: { kind: 'system', id: 'test' } });
    publishAll();
    broker.append(revocationsTopic(), 0, 2);
    broker.append(keysTopic(), 0, 4);
    broker.created.length = 0;
  });
  afterEach(() => fixture.cleanup());

  it('leaves intact topics alone and remembers how far they went', async () => {
    expect(await guard().check()).toEqual([
      { topic: revocationsTopic(), outcome: 'intact' },
      { topic: keysTopic(), outcome: 'intact' },
    ]);
    expect(unpublished(revocationsTopic())).toEqual([]);
    expect(fixture.core.anomalies.list()).toEqual([]);
  });

  it('recreates a deleted revocations topic, republishes every live revocation, and raises topic_lost once', async () => {
    const g = guard();
    await g.check();
    broker.delete(revocationsTopic());
    expect(await g.check()).toContainEqual({ topic: revocationsTopic(), outcome: 'missing' });
    // Recreated and republished in the same look.
    expect(broker.created).toEqual([revocationsTopic()]);
    const republished = unpublished(revocationsTopic());
    expect(republished).toHaveLength(2);
    expect(g.unhealthy()).toEqual([]);
    expect(fixture.core.anomalies.list()).toMatchObject([{ kind: 'topic_lost', severity: 'critical', details: { topic: revocationsTopic(), how: 'missing', republished: 2 } }]);
    // The recreated topic is the new baseline: no second republish.
    publishAll();
    broker.append(revocationsTopic(), 0, 2);
    await g.check();
    expect(unpublished(revocationsTopic())).toEqual([]);
  });

  it('finds a topic truncated while the authority was down, and republishes key states and kill switches for the keys topic', async () => {
    await guard().check();
    fixture.core.close();
    // The broker lost its data: the topics are back, emptier than ever seen.
    broker.delete(revocationsTopic());
    broker.delete(keysTopic());
    await broker.ensureTopics([fixture.core.topics.revocations, fixture.core.topics.keys]);
    await fixture.reopen();
    publishAll();
    const versionBefore = fixture.core.keyEvents.version();
    const outcomes = await guard().check();
    expect(outcomes).toEqual([
      { topic: revocationsTopic(), outcome: 'truncated' },
      { topic: keysTopic(), outcome: 'truncated' },
    ]);
    expect(unpublished(revocationsTopic())).toHaveLength(2);
    const keyStates = fixture.core.keyStates().filter((k) => k.state !== 'retired');
    expect(unpublished(keysTopic())).toHaveLength(keyStates.length);
    expect(fixture.core.keyEvents.version()).toBe(versionBefore + keyStates.length);
  });

  it('stays unhealthy while a lost topic cannot be recreated, and creates a never-seen topic quietly', async () => {
    const g = guard();
    await g.check();
    broker.delete(revocationsTopic());
    const failing = fixture.core.createTopicGuard({ inspector: broker.inspector, ensureTopics: () => Promise.reject(new Error('not allowed')) });
    expect(await failing.check()).toContainEqual({ topic: revocationsTopic(), outcome: 'missing' });
    expect(failing.unhealthy()).toEqual([revocationsTopic()]);
    expect(unpublished(revocationsTopic())).toEqual([]);

    // A first start: nothing seen yet, nothing lost, no alert.
    const other = await openCoreFixture({ topicPrefix: 'other.' });
    try {
      const empty = new FakeBroker();
      const first = other.core.createTopicGuard({ inspector: empty.inspector, ensureTopics: empty.ensureTopics });
      expect(await first.check()).toEqual([
        { topic: other.core.topics.revocations.topic, outcome: 'created' },
        { topic: other.core.topics.keys.topic, outcome: 'created' },
      ]);
      expect(first.unhealthy()).toEqual([]);
      expect(other.core.anomalies.list()).toEqual([]);
    } finally {
      other.cleanup();
    }
  });

  it('does nothing while the broker cannot be asked', async () => {
    const g = fixture.core.createTopicGuard({
      inspector: { describeTopics: () => Promise.reject(new Error('broker down')) },
      ensureTopics: broker.ensureTopics,
    });
    expect(await g.check()).toEqual([
      { topic: revocationsTopic(), outcome: 'unknown' },
      { topic: keysTopic(), outcome: 'unknown' },
    ]);
    expect(g.unhealthy()).toEqual([]);
  });
});
