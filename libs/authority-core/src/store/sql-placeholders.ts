/** SQL with PostgreSQL's numbered placeholders, and how to order the values bound to them. */
export interface NumberedSql {
  /** The SQL with every `?` and `@name` replaced by `$1`, `$2`, ... */
  readonly text: string;
  /** How many distinct placeholders it has. */
  readonly count: number;
  /** For named placeholders, the name of each `$n` (index n-1); undefined for positional SQL. */
  readonly names: readonly string[] | undefined;
}

/**
 * Rewrites SQLite-style placeholders (`?` positional, `@name` named: the repositories' style) to
 * PostgreSQL's `$n`, outside string literals, quoted identifiers and comments. A name used twice
 * is one `$n`. Done once per prepared statement.
 *
 * @throws {TypeError} when one statement mixes `?` and `@name`.
 */
export function numberPlaceholders(sql: string): NumberedSql {
  let text = '';
  let positional = 0;
  const names: string[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      const end = closingQuote(sql, i, c);
      text += sql.slice(i, end);
      i = end;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      text += sql.slice(i, stop);
      i = stop;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      text += sql.slice(i, stop);
      i = stop;
    } else if (c === '?') {
      text += `$${++positional}`;
      i++;
    } else if (c === '@' && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1))![0];
      let index = names.indexOf(name);
      if (index === -1) index = names.push(name) - 1;
      text += `$${index + 1}`;
      i += 1 + name.length;
    } else {
      text += c;
      i++;
    }
  }
  if (positional > 0 && names.length > 0) throw new TypeError(`a statement uses either ? or @name placeholders, not both: ${sql}`);
  return { text, count: positional + names.length, names: names.length > 0 ? names : undefined };
}

/** Index just past the quote closing the literal that opens at `start` (a doubled quote is an escaped one). */
function closingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}
