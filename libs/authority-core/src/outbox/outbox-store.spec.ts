import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type AuthorityStore } from '../store/store';
import { consecutiveRuns, createOutboxStore, type OutboxStore } from './outbox-store';

describe('consecutiveRuns', () => {
  it('groups consecutive seqs into [first, last] runs, in order', () => {
    expect(consecutiveRuns([])).toEqual([]);
    expect(consecutiveRuns([7])).toEqual([[7, 7]]);
    expect(consecutiveRuns([3, 4, 5, 9, 10, 12])).toEqual([
      [3, 5],
      [9, 10],
      [12, 12],
    ]);
  });
});

describe('outbox store markPublished', () => {
  let dir: string;
  let store: AuthorityStore;
  let outbox: OutboxStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-outbox-store-'));
    store = openStore({ dataDir: join(dir, 'data'), clock: { now: () => 1_000 } });
    outbox = createOutboxStore(store);
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const append = (n: number): number[] =>
    store.transaction(() =>
      Array.from({ length: n }, (_, i) => outbox.append({ eventId: `e-${i}-${Math.random()}`, record: { topic: 't', key: `k${i}`, value: Buffer.from([i]) } }, 1_000)),
    );

  it('marks exactly the seqs given, across gaps, and leaves the others unpublished', () => {
    const seqs = append(8);
    const marked = [seqs[0]!, seqs[1]!, seqs[2]!, seqs[5]!, seqs[7]!];
    outbox.markPublished(marked, 2_000);
    expect(outbox.unpublished(100).map((e) => e.seq)).toEqual([seqs[3], seqs[4], seqs[6]]);
    expect(outbox.pendingCount()).toBe(3);
  });

  it('never moves the publication time of a row already marked', () => {
    const seqs = append(3);
    outbox.markPublished([seqs[1]!], 2_000);
    outbox.markPublished(seqs, 3_000);
    const at = store.db.prepare<[], { seq: number; published_at: number }>('SELECT seq, published_at FROM outbox ORDER BY seq').all();
    expect(at.map((r) => r.published_at)).toEqual([3_000, 2_000, 3_000]);
  });
});
