import { fstatSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreError, StoreUnavailableError } from '../errors/errors';
import { createGroupCommit } from './group-commit';
import { sqliteNative } from './sqlite-connection';
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

  describe('with the log flushed off the event loop', () => {
    /** A hand-driven fsync: each call waits until the test ends it. */
    function manualFsync() {
      const calls: { fd: number; end: (error?: Error) => void }[] = [];
      const fsync = (fd: number) => new Promise<void>((resolve, reject) => calls.push({ fd, end: (error) => (error ? reject(error) : resolve()) }));
      return { fsync, calls };
    }
    const table = [{ version: 1, name: 't', sql: "CREATE TABLE t (v TEXT NOT NULL CHECK (v != 'bad')) STRICT" }];
    const settledSoon = async <T>(promise: Promise<T>): Promise<'pending' | PromiseSettledResult<T>> => {
      const marker = Symbol('pending');
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
      const outcome = await Promise.race([promise.then((value) => ({ status: 'fulfilled' as const, value }), (reason: unknown) => ({ status: 'rejected' as const, reason })), Promise.resolve(marker)]);
      return outcome === marker ? 'pending' : (outcome as PromiseSettledResult<T>);
    };
    let flushed: AuthorityStore | undefined;
    afterEach(() => flushed?.close());
    /** Reopens the store with a hand-driven fsync of its log. */
    function reopenWithManualFsync() {
      const disk = manualFsync();
      store.close();
      flushed = store = openStore({ dataDir: dir, migrations: table, walFsync: disk.fsync });
      return disk;
    }

    it('commits without an fsync on the event loop, and answers (and wakes the relay) only when the flush of the log ends', async () => {
      const disk = reopenWithManualFsync();
      const onCommitted = jest.fn();
      const group = createGroupCommit(store, { onCommitted });
      let synchronousDuringCommit: unknown;
      const pending = group.submit(() => {
        synchronousDuringCommit = sqliteNative(store.db).pragma('synchronous', { simple: true });
        return insert('a')();
      });
      expect(await settledSoon(pending)).toBe('pending');
      expect(synchronousDuringCommit).toBe(1); // NORMAL: the commit did not fsync
      expect(sqliteNative(store.db).pragma('synchronous', { simple: true })).toBe(2); // FULL again for every other commit
      expect(rows()).toEqual(['a']);
      expect(disk.calls).toHaveLength(1);
      expect(fstatSync(disk.calls[0]!.fd).ino).toBe(statSync(`${store.path}-wal`).ino); // the log's own file
      expect(onCommitted).not.toHaveBeenCalled();
      let durableResolved = false;
      void store.durable().then(() => (durableResolved = true));

      disk.calls[0]!.end();
      await expect(pending).resolves.toBe(1);
      expect(onCommitted).toHaveBeenCalledTimes(1);
      expect(durableResolved).toBe(true);
    });

    it('shares one flush among the groups that commit while one runs', async () => {
      const disk = reopenWithManualFsync();
      const group = createGroupCommit(store);
      const first = group.submit(insert('a'));
      await settledSoon(first);
      const second = group.submit(insert('b'));
      await settledSoon(second);
      const third = group.submit(insert('c'));
      await settledSoon(third);
      expect(disk.calls).toHaveLength(1);

      disk.calls[0]!.end();
      await first;
      // The flush in flight may have started before b and c were written: they wait for the next, one for both.
      expect(await settledSoon(second)).toBe('pending');
      expect(disk.calls).toHaveLength(2);
      disk.calls[1]!.end();
      await expect(Promise.all([second, third])).resolves.toEqual([1, 1]);
      expect(disk.calls).toHaveLength(2);
      expect(new Set(disk.calls.map((c) => c.fd)).size).toBe(1);
    });

    it('rejects every unit of the group when the flush fails, marks the store unwritable and refuses every later write', async () => {
      const disk = reopenWithManualFsync();
      const onCommitted = jest.fn();
      const group = createGroupCommit(store, { onCommitted });
      const units = [group.submit(insert('a')), group.submit(insert('b'))];
      await settledSoon(units[0]!);
      const later = group.submit(insert('c')); // committed while the failing flush runs: waits for the next one
      await settledSoon(later);

      disk.calls[0]!.end(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
      for (const unit of [...units, later]) await expect(unit).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(onCommitted).not.toHaveBeenCalled();
      expect(disk.calls).toHaveLength(1); // no retry that could pretend the lost pages are on disk
      expect(store.health()).toMatchObject({ writable: false, lastWriteFailure: { reason: 'I/O error' } });
      await expect(store.durable()).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(group.submit(insert('d'))).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(() => store.transaction(() => insert('e')())).toThrow(StoreUnavailableError);
      expect(rows()).not.toContain('d');
      expect(rows()).not.toContain('e');
    });
  });
});
