import { storeLocation, type StoreLocation } from '../testing/store-under-test.spec-helper';
import { MIGRATIONS } from './migrations';
import { POSTGRES_MIGRATIONS } from './postgres-migrations';
import { openStore, type AuthorityStore } from './store';

/** Tables, their column names, and the names of the indexes created by name (not those backing a key), of a live store. */
interface Catalog {
  readonly version: number;
  readonly columns: Readonly<Record<string, readonly string[]>>;
  readonly indexes: readonly string[];
}

function sqliteCatalog(store: AuthorityStore): Catalog {
  const db = store.db;
  const tables = db.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name").pluck().all();
  const column = db.prepare<[string], string>('SELECT name FROM pragma_table_info(?) ORDER BY name').pluck();
  return {
    version: db.prepare<[], number>('SELECT MAX(version) FROM schema_migrations').pluck().get() ?? 0,
    columns: Object.fromEntries(tables.map((t) => [t, column.all(t)])),
    // Indexes SQLite makes for PRIMARY KEY / UNIQUE have no SQL (sqlite_autoindex_*).
    indexes: db.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name").pluck().all(),
  };
}

function postgresCatalog(store: AuthorityStore): Catalog {
  const db = store.db;
  const tables = db
    .prepare<[], string>("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name")
    .pluck()
    .all();
  const column = db
    .prepare<[string], string>('SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY column_name')
    .pluck();
  return {
    version: db.prepare<[], number>('SELECT MAX(version) FROM schema_migrations').pluck().get() ?? 0,
    columns: Object.fromEntries(tables.map((t) => [t, column.all(t)])),
    indexes: db
      .prepare<[], string>(
        `SELECT i.relname FROM pg_index x
           JOIN pg_class i ON i.oid = x.indexrelid
           JOIN pg_namespace n ON n.oid = i.relnamespace
          WHERE n.nspname = current_schema()
            AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
          ORDER BY i.relname COLLATE "C"`,
      )
      .pluck()
      .all(),
  };
}

/**
 * What PostgreSQL has and SQLite has not, on purpose (postgres-migrations.ts says why): the
 * explicit `rowid` of the tables the repositories page by it, and the AUTOINCREMENT counter table.
 */
const POSTGRES_ONLY_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  operators: ['rowid'],
  revocations: ['rowid'],
  rotations: ['rowid'],
  sidecar_acks: ['rowid'],
};
const POSTGRES_ONLY_TABLES = ['autoincrement_counters'];

// Keeps the two migration sets in step: every SQLite migration needs its PostgreSQL twin.
describe('the PostgreSQL schema is in step with the SQLite one', () => {
  const locations: StoreLocation[] = [];
  let sqlite: Catalog;
  let postgres: Catalog;
  beforeAll(async () => {
    const [lite, pg] = await Promise.all([storeLocation('sqlite', 'schema_step'), storeLocation('postgres', 'schema_step')]);
    locations.push(lite, pg);
    const a = openStore({ dataDir: lite.options.dataDir });
    const b = openStore(pg.options);
    try {
      sqlite = sqliteCatalog(a);
      postgres = postgresCatalog(b);
    } finally {
      a.close();
      b.close();
    }
  });
  afterAll(async () => {
    for (const location of locations) await location.cleanup();
  });

  it('reaches the same version', () => {
    expect(POSTGRES_MIGRATIONS[POSTGRES_MIGRATIONS.length - 1]?.version).toBe(MIGRATIONS.length);
    expect(postgres.version).toBe(sqlite.version);
  });

  it('has the same tables, each with the same columns', () => {
    const expected = Object.fromEntries(
      Object.entries(sqlite.columns).map(([table, columns]) => [table, [...columns, ...(POSTGRES_ONLY_COLUMNS[table] ?? [])].sort()]),
    );
    const actual = Object.fromEntries(
      Object.entries(postgres.columns)
        .filter(([table]) => !POSTGRES_ONLY_TABLES.includes(table))
        .map(([table, columns]) => [table, [...columns].sort()]),
    );
    expect(actual).toEqual(expected);
  });

  it('has the same named indexes', () => {
    expect(postgres.indexes).toEqual([...sqlite.indexes].sort());
  });
});
