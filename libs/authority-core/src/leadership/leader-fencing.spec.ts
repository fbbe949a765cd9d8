import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OutgoingRecord, RecordPublisher } from '@revmesh/transport';
import { LeaseLostError, NotLeaderError } from '../errors/errors';
import { createOutboxStore } from '../outbox/outbox-store';
import { openStore, type AuthorityStore } from '../store/store';
import { LEADER_EPOCH_HEADER, leaderPublisher, relayTransactionalId } from './leader-publisher';
import { createLeaseStore } from './lease-store';

/** What a stale leader may still try after losing the lease, refused where it would land. */
describe('fencing a stale leader', () => {
  let dir: string;
  let store: AuthorityStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-fencing-'));
    store = openStore({ dataDir: dir });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses the "published" marks of a relay whose epoch the lease left, and marks nothing', () => {
    const leases = createLeaseStore(store);
    const outbox = createOutboxStore(store);
    expect(leases.create('a', 0, 3000)).toBe(true);
    const record: OutgoingRecord = { topic: 't', key: 'k', value: Buffer.from('v') };
    const seq = store.transaction(() => outbox.append({ eventId: 'e1', record }, 0));
    const seq2 = store.transaction(() => outbox.append({ eventId: 'e2', record }, 0));
    // The leader at epoch 1 marks its first batch.
    outbox.markPublished([seq], 1, () => leases.confirmEpoch(1));
    expect(outbox.pendingCount()).toBe(1);
    // b takes over (epoch 2); a's relay, still running, publishes e2 and tries to mark it.
    expect(leases.takeOver('b', { epoch: 1, renewals: 0 }, 2, 3000)).toBe(2);
    expect(() => outbox.markPublished([seq2], 3, () => leases.confirmEpoch(1))).toThrow(LeaseLostError);
    expect(outbox.unpublished(10).map((entry) => entry.eventId)).toEqual(['e2']);
    // The new leader's marks go through.
    outbox.markPublished([seq2], 4, () => leases.confirmEpoch(2));
    expect(outbox.pendingCount()).toBe(0);
  });

  it("stamps the leader's records with its epoch and refuses to publish once it does not lead", async () => {
    const sent: OutgoingRecord[][] = [];
    const inner: RecordPublisher = { connect: async () => undefined, disconnect: async () => undefined, publish: async (records) => void sent.push([...records]) };
    let epoch: number | undefined = 7;
    const publisher = leaderPublisher(inner, {
      fence: () => {
        if (epoch === undefined) throw new NotLeaderError('not the leader');
        return epoch;
      },
    });
    await publisher.publish([{ topic: 't', key: 'k', value: Buffer.from('v'), headers: { traceparent: 'x' } }]);
    expect(sent[0]![0]!.headers).toEqual({ traceparent: 'x', [LEADER_EPOCH_HEADER]: '7' });
    epoch = undefined;
    await expect(publisher.publish([{ topic: 't', key: 'k', value: Buffer.from('w') }])).rejects.toBeInstanceOf(NotLeaderError);
    expect(sent).toHaveLength(1);
    expect(relayTransactionalId('revmesh.')).toBe('revmesh-authority-relay-revmesh.');
  });
});
