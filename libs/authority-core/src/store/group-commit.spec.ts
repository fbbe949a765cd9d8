import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreError } from '../errors/errors';
import { createGroupCommit } from './group-commit';
import { openStore, type AuthorityStore } from './store';

describe('group commit', () => {
  let dir: string;
  let store: AuthorityStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-group-'));
    store = openStore({
      dataDir: dir,
      migrations: [{ version: 1, name: 't', sql: 'CREATE TABLE t (v TEXT NOT NULL CHECK (v != \'bad\')) STRICT' }],
    });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rows = (): string[] => store.db.prepare('SELECT v FROM t ORDER BY rowid').pluck().all() as string[];
  const insert = (v: string) => () => store.db.prepare('INSERT INTO t (v) VALUES (?)').run(v).changes;

  it('writes units submitted together in one transaction, in submission order', async () => {
    const onCommitted = jest.fn();
    const group = createGroupCommit(store, { onCommitted });
    const results = await Promise.all(['a', 'b', 'c'].map((v) => group.submit(insert(v))));
    expect(results).toEqual([1, 1, 1]);
    expect(rows()).toEqual(['a', 'b', 'c']);
    expect(onCommitted).toHaveBeenCalledTimes(1);
  });

  it('resolves only once the group is committed', async () => {
    const group = createGroupCommit(store);
    const pending = group.submit(insert('a'));
    expect(rows()).toEqual([]);
    await pending;
    expect(rows()).toEqual(['a']);
  });

  it('rolls back a failing unit alone; the rest of its group commits', async () => {
    const group = createGroupCommit(store);
    const outcomes = await Promise.allSettled([
      group.submit(insert('a')),
      group.submit(() => {
        insert('half')();
        return insert('bad')();
      }),
      group.submit(insert('c')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(StoreError);
    expect(rows()).toEqual(['a', 'c']);
  });

  it('does not signal a group in which nothing committed', async () => {
    const onCommitted = jest.fn();
    const group = createGroupCommit(store, { onCommitted });
    await expect(group.submit(insert('bad'))).rejects.toBeInstanceOf(StoreError);
    expect(onCommitted).not.toHaveBeenCalled();
  });
});
