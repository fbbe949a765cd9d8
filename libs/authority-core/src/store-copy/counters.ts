import type { SqlConnection } from '../store/sql-connection';
import { quoteIdentifier, type TableInfo } from './table-catalog';

/**
 * The AUTOINCREMENT counters of a SQLite database (`sqlite_sequence`): the highest key each table
 * ever handed out, which may be above its highest row (rows deleted at the end). The audit
 * verification compares the log's last entry with the counter, so a copy carries them over.
 */
export function readCounters(db: SqlConnection): Map<string, number> {
  if (db.engine !== 'sqlite') throw new TypeError('counters are read from a SQLite source only');
  const exists = db.prepare<[], number>("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'").pluck().get();
  if (!exists) return new Map();
  const rows = db.prepare<[], { name: string; seq: number }>('SELECT name, seq FROM sqlite_sequence').all();
  return new Map(rows.map((row) => [row.name, Number(row.seq)]));
}

/**
 * Sets the target's key generators so the next key of each copied table follows the source's
 * counter (or, for a table without one, its highest copied key): SQLite's `sqlite_sequence` rows;
 * PostgreSQL's `autoincrement_counters` rows and the sequences behind its identity columns.
 * Call inside the copy's transaction.
 */
export function applyCounters(db: SqlConnection, tables: readonly TableInfo[], counters: ReadonlyMap<string, number>): void {
  if (db.engine === 'sqlite') {
    const remove = db.prepare('DELETE FROM sqlite_sequence WHERE name = ?');
    const insert = db.prepare('INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)');
    for (const table of tables) {
      const value = counters.get(table.name);
      if (value === undefined) continue;
      remove.run(table.name);
      insert.run(table.name, value);
    }
    return;
  }
  // PostgreSQL's sqlite_sequence (kept by a trigger on audit_log, which set it to the highest
  // copied seq): set to the source's counters, which may be higher.
  const setCounter = db.prepare(
    'INSERT INTO autoincrement_counters (name, seq) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET seq = EXCLUDED.seq',
  );
  for (const table of tables) {
    const value = counters.get(table.name);
    if (value !== undefined) setCounter.run(table.name, value);
  }
  const sequenceOf = db.prepare<[string, string], string | null>('SELECT pg_get_serial_sequence(?, ?)').pluck();
  for (const table of tables) {
    for (const column of table.columns) {
      const sequence = sequenceOf.get(quoteIdentifier(table.name), column.name);
      if (sequence === null || sequence === undefined) continue;
      const highest = Number(
        db.prepare<[], unknown>(`SELECT COALESCE(MAX(${quoteIdentifier(column.name)}), 0) FROM ${quoteIdentifier(table.name)}`).pluck().get() ?? 0,
      );
      // The AUTOINCREMENT counter belongs to the integer primary key; any other generated column
      // (an explicit rowid) continues from its highest copied value.
      const counter = table.primaryKey.length === 1 && table.primaryKey[0] === column.name ? (counters.get(table.name) ?? 0) : 0;
      const value = Math.max(counter, highest);
      // setval(seq, n, true): the next value is n + 1; a sequence cannot hold 0, so "none yet" is (1, false).
      if (value > 0) db.prepare<[string, number], unknown>('SELECT setval(?, ?, true)').get(sequence, value);
      else db.prepare<[string], unknown>('SELECT setval(?, 1, false)').get(sequence);
    }
  }
}
