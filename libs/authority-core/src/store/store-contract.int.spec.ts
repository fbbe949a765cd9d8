import { storeEnginesUnderTest } from '@revmesh/test-support';
import { storeLocation, type StoreLocation } from '../testing/store-under-test.spec-helper';
import { createGroupCommit } from './group-commit';
import { STORE_WRITE_LOCK_KEY } from './postgres-connection';
import { isUniqueViolation, openStore, type AuthorityStore } from './store';
import { storeUnavailableReason } from './store-availability';

// What the repositories rely on from the store, on every engine: the same SQL gives the same
// rows and types, transactions are all-or-nothing, nested ones are savepoints.
describe.each(storeEnginesUnderTest())('the authority store on %s', (engine) => {
  let location: StoreLocation;
  let store: AuthorityStore;
  beforeAll(async () => {
    location = await storeLocation(engine, 'store_contract');
    store = openStore(location.options);
  });
  afterAll(async () => {
    store.close();
    await location.cleanup();
  });

  const insertOutbox = () =>
    store.db
      .prepare<[string, Buffer, number], number>(
        "INSERT INTO outbox (event_id, topic, record_key, value, headers, created_at) VALUES (?, 't', 'k', ?, '{}', ?) RETURNING seq",
      )
      .pluck();
  const count = (eventId: string): number =>
    store.db.prepare<[string], number>('SELECT COUNT(*) FROM outbox WHERE event_id = ?').pluck().get(eventId) ?? -1;

  it('reports its engine and is at the latest schema version', () => {
    expect(store.db.engine).toBe(engine);
    expect(store.db.prepare<[], number>('SELECT MAX(version) FROM schema_migrations').pluck().get()).toBeGreaterThanOrEqual(23);
  });

  it('hands back the types the repositories expect: integers as numbers, BLOB as Buffer, NULL as null, text as written', () => {
    const at = Date.UTC(2031, 5, 1, 12, 0, 0, 123);
    const value = Buffer.from([0, 1, 2, 254, 255]);
    const seq = store.transaction(() => insertOutbox().get('types-1', value, at));
    expect(typeof seq).toBe('number');
    const row = store.db
      .prepare<[number], { seq: number; value: Buffer; created_at: number; published_at: number | null; headers: string }>(
        'SELECT seq, value, created_at, published_at, headers FROM outbox WHERE seq = ?',
      )
      .get(seq!);
    expect(row).toEqual({ seq, value, created_at: at, published_at: null, headers: '{}' });
    expect(store.db.prepare("SELECT 'ünïcødé ✓' AS t").pluck().get()).toBe('ünïcødé ✓');
    expect(store.db.prepare('SELECT seq, created_at FROM outbox WHERE seq = ?').raw().get(seq)).toEqual([seq, at]);
    expect([...store.db.prepare<[number], { seq: number }>('SELECT seq FROM outbox WHERE seq = ?').iterate(seq!)]).toEqual([{ seq }]);
  });

  it('binds named parameters (@name, a name used twice is one value) as well as positional ones', () => {
    store.transaction(() =>
      store.db
        .prepare("INSERT INTO incidents (id, title, severity, owner, kind, status, created_at, updated_at) VALUES (@id, @title, 'low', @owner, 'drill', 'open', @at, @at)")
        .run({ id: 'inc-named', title: "it's @not a ? parameter", owner: 'alice', at: 5 }),
    );
    expect(store.db.prepare('SELECT title, created_at, updated_at FROM incidents WHERE id = ?').get('inc-named')).toEqual({
      title: "it's @not a ? parameter",
      created_at: 5,
      updated_at: 5,
    });
  });

  it('counts the rows a write changed', () => {
    store.transaction(() => {
      insertOutbox().get('changes-1', Buffer.alloc(1), 1);
      insertOutbox().get('changes-2', Buffer.alloc(1), 1);
    });
    const result = store.transaction(() => store.db.prepare("UPDATE outbox SET published_at = 7 WHERE event_id LIKE 'changes-%'").run());
    expect(result.changes).toBe(2);
    expect(store.transaction(() => store.db.prepare("DELETE FROM outbox WHERE event_id = 'none'").run()).changes).toBe(0);
  });

  it('commits a transaction all together, or nothing of it when it throws', () => {
    expect(() =>
      store.transaction(() => {
        insertOutbox().get('rollback-1', Buffer.alloc(1), 1);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(count('rollback-1')).toBe(0);
    expect(store.db.inTransaction).toBe(false);
  });

  it('nests a transaction as a savepoint: a throwing inner one rolls back alone', () => {
    store.transaction(() => {
      insertOutbox().get('outer-1', Buffer.alloc(1), 1);
      expect(() =>
        store.db.transaction(() => {
          insertOutbox().get('inner-1', Buffer.alloc(1), 1);
          insertOutbox().get('outer-1', Buffer.alloc(1), 1); // duplicate event_id
        }),
      ).toThrow();
      insertOutbox().get('outer-2', Buffer.alloc(1), 1);
    });
    expect([count('outer-1'), count('inner-1'), count('outer-2')]).toEqual([1, 0, 1]);
  });

  it('recognises a unique violation through the store error that wraps it', () => {
    store.transaction(() => insertOutbox().get('unique-1', Buffer.alloc(1), 1));
    let caught: unknown;
    try {
      store.transaction(() => insertOutbox().get('unique-1', Buffer.alloc(1), 1));
    } catch (error) {
      caught = error;
    }
    expect(isUniqueViolation((caught as { cause?: unknown }).cause)).toBe(true);
  });

  it('group commit: units of one turn share a transaction, a throwing unit rolls back alone', async () => {
    const group = createGroupCommit(store);
    const results = await Promise.allSettled([
      group.submit(() => insertOutbox().get('group-1', Buffer.alloc(1), 1)),
      group.submit(() => {
        insertOutbox().get('group-bad', Buffer.alloc(1), 1);
        throw new Error('unit fails');
      }),
      group.submit(() => insertOutbox().get('group-2', Buffer.alloc(1), 1)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect([count('group-1'), count('group-bad'), count('group-2')]).toEqual([1, 0, 1]);
  });

  it('a relaxed transaction commits like a durable one, and joins an open transaction', () => {
    store.relaxedTransaction(() => insertOutbox().get('relaxed-1', Buffer.alloc(1), 1));
    expect(() =>
      store.transaction(() => {
        store.relaxedTransaction(() => insertOutbox().get('relaxed-2', Buffer.alloc(1), 1));
        throw new Error('outer fails');
      }),
    ).toThrow('outer fails');
    expect([count('relaxed-1'), count('relaxed-2')]).toEqual([1, 0]);
  });

  it('reopening migrates nothing and finds what was committed', () => {
    store.close();
    store = openStore(location.options);
    expect(store.appliedMigrations).toEqual([]);
    expect(count('group-1')).toBe(1);
  });

  if (engine === 'postgres') {
    it('refuses a text parameter holding a NUL character rather than storing it cut short', () => {
      expect(() => store.db.prepare('SELECT ? AS t').pluck().get('a\u0000b')).toThrow(/NUL character/);
    });

    it('reconnects on its own after the server dropped its connection; the statement that found it gone fails as the store being unavailable', () => {
      const other = openStore(location.options);
      try {
        const pid = store.db.prepare<[], number>('SELECT pg_backend_pid()').pluck().get()!;
        expect(other.db.prepare<[number], number>('SELECT CAST(pg_terminate_backend(?) AS INTEGER)').pluck().get(pid)).toBe(1);
        let failure: unknown;
        try {
          store.transaction(() => insertOutbox().get('after-drop-1', Buffer.alloc(1), 1));
        } catch (error) {
          failure = error;
        }
        expect(storeUnavailableReason(failure)).toBe('I/O error');
        store.transaction(() => insertOutbox().get('after-drop-2', Buffer.alloc(1), 1));
        expect([count('after-drop-1'), count('after-drop-2')]).toEqual([0, 1]);
        expect(store.db.prepare<[], number>('SELECT pg_backend_pid()').pluck().get()).not.toBe(pid);
      } finally {
        other.close();
      }
    });

    it('a write transaction holds the database-wide write lock until it ends, so authorities sharing the database write one at a time', () => {
      const other = openStore(location.options);
      try {
        // Outside a transaction, a try-lock that succeeds is released again at the end of its statement.
        const free = other.db.prepare<[number], number>('SELECT CAST(pg_try_advisory_xact_lock(?) AS INTEGER)').pluck();
        expect(free.get(STORE_WRITE_LOCK_KEY)).toBe(1);
        const during = store.transaction(() => {
          insertOutbox().get('locked-1', Buffer.alloc(1), 1);
          return free.get(STORE_WRITE_LOCK_KEY);
        });
        expect(during).toBe(0);
        expect(free.get(STORE_WRITE_LOCK_KEY)).toBe(1);
        // The other authority's own write waits for the lock, then sees what the first committed.
        expect(other.transaction(() => other.db.prepare<[], number>("SELECT COUNT(*) FROM outbox WHERE event_id = 'locked-1'").pluck().get())).toBe(1);
      } finally {
        other.close();
      }
    });
  }
});
