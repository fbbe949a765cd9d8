import { assembleSnapshot, forEachSnapshotRule, openSnapshotManifest, parseSnapshotChunk, SNAPSHOT_MANIFEST_KEY, type SnapshotRule } from '@revmesh/contracts';
import { createInMemoryTransport } from '@revmesh/test-support';
import { systemAuditContext } from '../audit/audit-context';
import { openCoreFixture, trustIn, type CoreFixture } from '../testing/core-fixture.spec-helper';

const ACTOR = { kind: 'system', id: 'spec' } as const;

describe('snapshot publisher', () => {
  let f: CoreFixture;
  beforeEach(async () => {
    f = await openCoreFixture();
  });
  afterEach(() => f.cleanup());

  it('publishes the live revocations merged per target, chunks then one signed manifest naming the offsets read first, and audits it', async () => {
    const transport = createInMemoryTransport({ partitions: 3 });
    const publisher = transport.createPublisher();
    await publisher.connect();
    // Something on the revocations topic already: the offsets the snapshot names.
    transport.append({ topic: f.core.topics.revocations.topic, key: 'x', value: 'y', partition: 1 });
    const first = await f.core.revocations.revoke({ target: { type: 'sub', value: 'alice' }, reason: 'leak', actor: ACTOR });
    f.time.now += 5000;
    const second = await f.core.revocations.revoke({ target: { type: 'sub', value: 'alice' }, reason: 'again', actor: ACTOR });
    const jti = await f.core.revocations.revoke({ target: { type: 'jti', value: 'j-1' }, reason: 'leak', actor: ACTOR });
    const snapshots = f.core.createSnapshotPublisher({ inspector: transport, publisher, ensureTopics: (specs) => transport.ensureTopics(specs), intervalMs: 0, chunkBytes: 1024 });

    const summary = await snapshots.publishNow(systemAuditContext('spec', 'snapshot on demand'));
    expect(transport.topics.has(`${f.core.topics.revocations.topic.replace(/revocations\.v1$/, '')}snapshots.v1`)).toBe(true);
    const records = transport.records(`${f.core.topics.revocations.topic.replace(/revocations\.v1$/, '')}snapshots.v1`);
    expect(records.at(-1)!.key).toBe(SNAPSHOT_MANIFEST_KEY);
    const opened = await openSnapshotManifest(records.at(-1)!.value, trustIn(f.core.eventSigners.trusted()));
    if (!opened.ok) throw new Error(opened.message);
    expect(opened.manifest).toMatchObject({ seq: summary.seq, rules: 2, offsets: { revocations: { '0': '0', '1': '1', '2': '0' } } });
    const chunks = new Map(records.slice(0, -1).map((r) => parseSnapshotChunk(r.value)!).map((c) => [c.index, c.data] as const));
    const assembled = assembleSnapshot(opened.manifest, chunks);
    if (!assembled.ok) throw new Error(assembled.message);
    const rules: SnapshotRule[] = [];
    forEachSnapshotRule(assembled.body, (rule) => rules.push({ ...rule }));
    expect(rules).toEqual([
      { revocationId: second.id, targetType: 'sub', value: 'alice', iss: undefined, notAfterIat: second.notAfterIat, expiresAt: Math.max(first.expiresAt, second.expiresAt) },
      { revocationId: jti.id, targetType: 'jti', value: 'j-1', iss: undefined, notAfterIat: 0, expiresAt: jti.expiresAt },
    ]);
    expect(snapshots.last()).toEqual(summary);
    expect(f.core.audit.list(0, 1000).filter((e) => e.action === 'snapshots.publish')).toEqual([
      expect.objectContaining({ outcome: 'succeeded', target: String(summary.seq), details: expect.objectContaining({ rules: 2 }) }),
    ]);
    await snapshots.stop();
  });

  it('leaves expired revocations out', async () => {
    const transport = createInMemoryTransport();
    const publisher = transport.createPublisher();
    await publisher.connect();
    await f.core.revocations.revoke({ target: { type: 'jti', value: 'j-1' }, reason: 'leak', actor: ACTOR });
    f.time.now += 2 * 86_400_000;
    const snapshots = f.core.createSnapshotPublisher({ inspector: transport, publisher, ensureTopics: (specs) => transport.ensureTopics(specs), intervalMs: 0 });
    expect(await snapshots.publishNow(systemAuditContext('spec', 'snapshot on demand'))).toMatchObject({ rules: 0 });
    await snapshots.stop();
  });

  it('audits a failed publication', async () => {
    const transport = createInMemoryTransport({ beforePublish: () => Promise.reject(new Error('broker down')) });
    const publisher = transport.createPublisher();
    await publisher.connect();
    await f.core.revocations.revoke({ target: { type: 'jti', value: 'j-1' }, reason: 'leak', actor: ACTOR });
    const snapshots = f.core.createSnapshotPublisher({ inspector: transport, publisher, ensureTopics: (specs) => transport.ensureTopics(specs), intervalMs: 0 });
    await expect(snapshots.publishNow(systemAuditContext('spec', 'snapshot on demand'))).rejects.toThrow('broker down');
    expect(f.core.audit.list(0, 1000).filter((e) => e.action === 'snapshots.publish')).toEqual([expect.objectContaining({ outcome: 'failed' })]);
    await snapshots.stop();
  });
});
