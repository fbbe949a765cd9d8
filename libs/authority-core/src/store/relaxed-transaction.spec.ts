import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type AuthorityStore } from './store';
import { sqliteNative } from './sqlite-connection';

describe('relaxedTransaction', () => {
  let dir: string;
  let store: AuthorityStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-relaxed-'));
    store = openStore({ dataDir: dir, migrations: [{ version: 1, name: 't', sql: 'CREATE TABLE t (v TEXT NOT NULL) STRICT' }] });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const synchronous = (): unknown => sqliteNative(store.db).pragma('synchronous', { simple: true });
  const rows = (): string[] => store.db.prepare('SELECT v FROM t ORDER BY rowid').pluck().all() as string[];
  const insert = (v: string) => store.db.prepare('INSERT INTO t (v) VALUES (?)').run(v);
  const FULL = 2;
  const NORMAL = 1;

  it('commits without waiting for an fsync (synchronous NORMAL), then puts FULL back for every other commit', () => {
    expect(synchronous()).toBe(FULL);
    let during: unknown;
    store.relaxedTransaction(() => {
      insert('a');
      during = synchronous();
    });
    expect(during).toBe(NORMAL);
    expect(synchronous()).toBe(FULL);
    expect(rows()).toEqual(['a']);
  });

  it('rolls back whole and still puts FULL back when its work throws', () => {
    expect(() =>
      store.relaxedTransaction(() => {
        insert('a');
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(rows()).toEqual([]);
    expect(synchronous()).toBe(FULL);
  });

  it('inside an open transaction joins it, leaving that durable commit as it is', () => {
    store.transaction(() => {
      insert('outer');
      store.relaxedTransaction(() => {
        insert('inner');
        expect(synchronous()).toBe(FULL);
      });
    });
    expect(rows()).toEqual(['outer', 'inner']);
  });
});
