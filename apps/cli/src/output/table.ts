/** Two spaces between columns: readable, and `awk`/`cut -w` split it. */
const GAP = '  ';

function pad(cells: readonly string[], widths: readonly number[]): string {
  // The last cell is not padded: no trailing spaces for `diff` and copy-paste to trip on.
  return cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join(GAP).trimEnd();
}

/**
 * An aligned plain-text table: an upper-case header row, then one row per entry. Cells must
 * already be formatted and cleaned.
 */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [headers.map((h) => h.toUpperCase()), ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all.map((row) => `${pad(row, widths)}\n`).join('');
}

/** Aligned `label  value` lines, one per pair. */
export function renderPairs(pairs: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...pairs.map(([label]) => label.length));
  return pairs.map(([label, value]) => `${pad([label, value], [width])}\n`).join('');
}
