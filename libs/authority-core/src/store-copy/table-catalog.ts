import type { SqlConnection } from '../store/sql-connection';

/** A column's kind, the same word on both engines, for the conversions a copy needs. */
export type ColumnKind = 'integer' | 'real' | 'text' | 'blob' | 'boolean' | 'json' | 'any';

export interface ColumnInfo {
  readonly name: string;
  readonly kind: ColumnKind;
  /** PostgreSQL `GENERATED ALWAYS AS IDENTITY`: inserting a value needs `OVERRIDING SYSTEM VALUE`. */
  readonly generatedAlways: boolean;
}

/** What a copy needs to know of one table. */
export interface TableInfo {
  readonly name: string;
  /** In the table's own order. */
  readonly columns: readonly ColumnInfo[];
  /** Tables its foreign keys reference. */
  readonly references: readonly string[];
  /** Primary-key columns in key order; empty when the table has none. */
  readonly primaryKey: readonly string[];
  /** Columns whose foreign key references this same table (rotations.rollback_of, rolled_back_by). */
  readonly selfReferencing: readonly string[];
}

/** The tables of a store's schema, and its version. */
export interface StoreCatalog {
  /** `MAX(version)` of `schema_migrations`; 0 for a database without the table or rows. */
  readonly schemaVersion: number;
  /** Every table but `schema_migrations` and the engine's own, by name. */
  readonly tables: ReadonlyMap<string, TableInfo>;
}

/**
 * Tables a copy never copies as rows: the schema version is compared instead; SQLite's own are
 * internal; the AUTOINCREMENT counters (`sqlite_sequence`, PostgreSQL's `autoincrement_counters`)
 * are carried over by `applyCounters`.
 */
export const NOT_COPIED = new Set(['schema_migrations', 'sqlite_sequence', 'sqlite_stat1', 'sqlite_stat4', 'autoincrement_counters']);

/** Reads the tables, columns, keys and schema version of `db` (either engine). */
export function readCatalog(db: SqlConnection): StoreCatalog {
  return db.engine === 'sqlite' ? readSqliteCatalog(db) : readPostgresCatalog(db);
}

function sqliteKind(declared: string): ColumnKind {
  switch (declared.toUpperCase()) {
    case 'INTEGER':
    case 'INT':
      return 'integer';
    case 'REAL':
      return 'real';
    case 'TEXT':
      return 'text';
    case 'BLOB':
      return 'blob';
    default:
      return 'any';
  }
}

function readSqliteCatalog(db: SqlConnection): StoreCatalog {
  const names = db
    .prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
    .pluck()
    .all();
  const columns = db.prepare<[string], { name: string; type: string; pk: number }>('SELECT name, type, pk FROM pragma_table_info(?) ORDER BY cid');
  const foreignKeys = db.prepare<[string], { table: string; from: string }>('SELECT "table", "from" FROM pragma_foreign_key_list(?)');
  const tables = new Map<string, TableInfo>();
  for (const name of names) {
    if (NOT_COPIED.has(name)) continue;
    const cols = columns.all(name);
    const keys = foreignKeys.all(name);
    tables.set(name, {
      name,
      columns: cols.map((c) => ({ name: c.name, kind: sqliteKind(c.type), generatedAlways: false })),
      references: [...new Set(keys.map((k) => k.table))],
      primaryKey: cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name),
      selfReferencing: [...new Set(keys.filter((k) => k.table === name).map((k) => k.from))],
    });
  }
  const hasVersions = names.includes('schema_migrations');
  const version = hasVersions ? (db.prepare<[], number | null>('SELECT MAX(version) FROM schema_migrations').pluck().get() ?? 0) : 0;
  return { schemaVersion: version, tables };
}

function postgresKind(dataType: string): ColumnKind {
  switch (dataType) {
    case 'bigint':
    case 'integer':
    case 'smallint':
      return 'integer';
    case 'double precision':
    case 'real':
    case 'numeric':
      return 'real';
    case 'text':
    case 'character varying':
    case 'character':
      return 'text';
    case 'bytea':
      return 'blob';
    case 'boolean':
      return 'boolean';
    case 'json':
    case 'jsonb':
      return 'json';
    default:
      return 'any';
  }
}

function readPostgresCatalog(db: SqlConnection): StoreCatalog {
  const names = db
    .prepare<[], string>("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name")
    .pluck()
    .all();
  const columns = db.prepare<[string], { column_name: string; data_type: string; identity_generation: string | null }>(
    'SELECT column_name, data_type, identity_generation FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position',
  );
  const foreignKeys = db.prepare<[string], { target: string; column: string }>(
    `SELECT target.relname AS target, a.attname AS column FROM pg_constraint c
       JOIN pg_class source ON source.oid = c.conrelid
       JOIN pg_class target ON target.oid = c.confrelid
       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
      WHERE c.contype = 'f' AND source.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) AND source.relname = ?`,
  );
  const primaryKey = db
    .prepare<[string], string>(
      `SELECT k.column_name FROM information_schema.table_constraints c
         JOIN information_schema.key_column_usage k
           ON k.constraint_schema = c.constraint_schema AND k.constraint_name = c.constraint_name AND k.table_name = c.table_name
        WHERE c.table_schema = current_schema() AND c.table_name = ? AND c.constraint_type = 'PRIMARY KEY'
        ORDER BY k.ordinal_position`,
    )
    .pluck();
  const tables = new Map<string, TableInfo>();
  for (const name of names) {
    if (NOT_COPIED.has(name)) continue;
    const keys = foreignKeys.all(name);
    tables.set(name, {
      name,
      columns: columns.all(name).map((c) => ({ name: c.column_name, kind: postgresKind(c.data_type), generatedAlways: c.identity_generation === 'ALWAYS' })),
      references: [...new Set(keys.map((k) => k.target))],
      primaryKey: primaryKey.all(name),
      selfReferencing: [...new Set(keys.filter((k) => k.target === name).map((k) => k.column))],
    });
  }
  const version = names.includes('schema_migrations') ? Number(db.prepare<[], unknown>('SELECT MAX(version) FROM schema_migrations').pluck().get() ?? 0) : 0;
  return { schemaVersion: version, tables };
}

/** `name` as a quoted SQL identifier (both engines). */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
