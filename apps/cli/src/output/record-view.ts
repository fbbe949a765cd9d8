import { isJsonObject, type JsonObject } from '../http/api-types';
import { renderPairs, renderTable } from './table';
import { formatValue, labelOf } from './text';

/** A table column: the first of `keys` present in a record fills the cell; a key may be dotted (`public_jwk.alg`). */
export interface Column {
  readonly header: string;
  readonly keys: readonly string[];
}

function lookup(record: JsonObject, dotted: string): unknown {
  let current: unknown = record;
  for (const part of dotted.split('.')) {
    if (!isJsonObject(current)) return undefined;
    current = current[part];
  }
  return current;
}

function cell(record: JsonObject, column: Column): string {
  for (const key of column.keys) {
    const value = lookup(record, key);
    if (value !== undefined) return formatValue(key.split('.').pop() ?? key, value);
  }
  return '-';
}

function isScalar(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

/**
 * A table of records. When the preferred `columns` match nothing (the API grew a different
 * shape), the table falls back to every scalar member, so the answer is still shown.
 */
export function renderRecords(items: readonly unknown[], columns: readonly Column[]): string {
  const records = items.filter(isJsonObject);
  const used = columns.filter((c) => records.some((r) => c.keys.some((k) => lookup(r, k) !== undefined)));
  const chosen: readonly Column[] =
    used.length > 0
      ? used
      : [...new Set(records.flatMap((r) => Object.keys(r).filter((k) => isScalar(r[k]))))].map((k) => ({ header: labelOf(k), keys: [k] }));
  return renderTable(
    chosen.map((c) => c.header),
    records.map((r) => chosen.map((c) => cell(r, c))),
  );
}

/**
 * Describes one record: scalar members (and lists of scalars) as aligned pairs, `order` first;
 * members of nested objects as `parent child` pairs; lists of objects as titled tables after it.
 * Nothing the authority sent is hidden, whatever its shape. `labels` renames known members.
 */
export function describeRecord(
  record: JsonObject,
  order: readonly string[] = [],
  labels: Readonly<Record<string, string>> = {},
): string {
  const keys = [...order.filter((k) => k in record), ...Object.keys(record).filter((k) => !order.includes(k))];
  const pairs: [string, string][] = [];
  const sections: string[] = [];
  for (const key of keys) {
    const value = record[key];
    if (Array.isArray(value) && value.some(isJsonObject)) {
      sections.push(`\n${labelOf(key)} (${value.length}):\n${renderRecords(value, [])}`);
    } else if (isJsonObject(value)) {
      for (const [child, inner] of Object.entries(value)) pairs.push([`${labelOf(key)} ${labelOf(child)}`, formatValue(child, inner)]);
    } else {
      pairs.push([labels[key] ?? labelOf(key), formatValue(key, value)]);
    }
  }
  return renderPairs(pairs) + sections.join('');
}
