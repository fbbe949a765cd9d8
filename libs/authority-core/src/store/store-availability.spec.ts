import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreUnavailableError } from '../errors/errors';
import { createStoreAvailability, STORE_MIN_FREE_BYTES, storeUnavailableReason } from './store-availability';
import { sqliteNative } from './sqlite-connection';
import { openStore, type AuthorityStore } from './store';

describe('store availability', () => {
  let dataDir: string;
  let store: AuthorityStore;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'revmesh-store-full-'));
    store = openStore({ dataDir });
    store.db.exec('CREATE TABLE filler (id INTEGER PRIMARY KEY, blob BLOB NOT NULL)');
  });
  afterEach(() => {
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('turns a full database into StoreUnavailableError, keeps nothing of the transaction, and reports it until a write succeeds', () => {
    const pages = (sqliteNative(store.db).pragma('page_count', { simple: true }) as number) + 2;
    // The file may not grow past its current size: the same SQLITE_FULL a full disk gives.
    sqliteNative(store.db).pragma(`max_page_count = ${pages}`);
    const before = (store.db.prepare('SELECT COUNT(*) AS n FROM filler').get() as { n: number }).n;
    let refusal: unknown;
    try {
      store.transaction(() => {
        store.db.prepare('INSERT INTO filler (blob) VALUES (?)').run(Buffer.alloc(64));
        store.db.prepare('INSERT INTO filler (blob) VALUES (?)').run(Buffer.alloc(256 * 1024));
      });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(StoreUnavailableError);
    expect(refusal).toMatchObject({ code: 'STORE_UNAVAILABLE', reason: 'disk full', retryAfterSeconds: 30 });
    expect((store.db.prepare('SELECT COUNT(*) AS n FROM filler').get() as { n: number }).n).toBe(before);
    expect(store.health()).toMatchObject({ writable: false, lastWriteFailure: { reason: 'disk full' } });

    sqliteNative(store.db).pragma('max_page_count = 1073741823');
    store.transaction(() => store.db.prepare('INSERT INTO filler (blob) VALUES (?)').run(Buffer.alloc(64)));
    expect(store.health()).toMatchObject({ writable: true, lastWriteFailure: undefined });
  });

  it('leaves other failures alone', () => {
    expect(() => store.transaction(() => store.db.prepare('INSERT INTO no_such_table VALUES (1)').run())).toThrow(/no such table/);
    expect(store.health().writable).toBe(true);
  });

  it('finds the reason on the cause chain and reports low free space as not writable', () => {
    expect(storeUnavailableReason(new Error('wrapped', { cause: { code: 'SQLITE_READONLY_DBMOVED' } }))).toBe('read-only');
    expect(storeUnavailableReason({ code: 'SQLITE_IOERR_WRITE' })).toBe('I/O error');
    expect(storeUnavailableReason({ code: 'SQLITE_CONSTRAINT_UNIQUE' })).toBeUndefined();
    const nearlyFull = createStoreAvailability(dataDir, () => STORE_MIN_FREE_BYTES - 1);
    expect(nearlyFull.health()).toEqual({ writable: false, freeBytes: STORE_MIN_FREE_BYTES - 1, lastWriteFailure: undefined });
  });
});
