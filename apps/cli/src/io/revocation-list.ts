import { REVOCATION_TARGET_TYPES, type RevocationTargetType } from '@revmesh/contracts';
import { UsageError } from '../errors';
import { isJsonObject } from '../http/api-types';

/** One target read from a `revoke --from-file` list, with the line it came from (1-based). */
export interface ListedTarget {
  readonly target: RevocationTargetType;
  readonly value: string;
  readonly iss?: string;
  readonly line: number;
}

/** Formats of a target list. */
export type RevocationListFormat = 'jsonl' | 'csv';

/** Most refused lines listed in one error (the rest are counted). */
const MAX_LISTED_PROBLEMS = 20;

/**
 * The format of a list: `.csv` → CSV, `.jsonl` / `.ndjson` / `.json` → JSON lines; otherwise (and
 * for stdin) by its first meaningful line: `{` starts JSON lines, anything else is CSV.
 */
export function listFormat(path: string, text: string): RevocationListFormat {
  const lower = path.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (/\.(jsonl|ndjson|json)$/.test(lower)) return 'jsonl';
  const first = text.split(/\r?\n/).find((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  return first?.trimStart().startsWith('{') === true ? 'jsonl' : 'csv';
}

/** Splits one CSV line (RFC 4180 quoting: `"a,b"`, `""` for a quote). */
function csvFields(line: string): string[] | undefined {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i += 1;
      for (;;) {
        if (i >= line.length) return undefined; // unterminated quote
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        field += line[i];
        i += 1;
      }
      if (i < line.length && line[i] !== ',') return undefined;
    } else {
      const end = line.indexOf(',', i);
      field = end === -1 ? line.slice(i) : line.slice(i, end);
      i = end === -1 ? line.length : end;
    }
    fields.push(field.trim());
    if (i >= line.length) return fields;
    i += 1; // the comma
  }
}

function checkTarget(raw: { target: unknown; value: unknown; iss?: unknown }, line: number, problems: string[]): ListedTarget | undefined {
  const { target, value, iss } = raw;
  if (typeof target !== 'string' || !(REVOCATION_TARGET_TYPES as readonly string[]).includes(target)) {
    problems.push(`line ${line}: target must be one of ${REVOCATION_TARGET_TYPES.join(', ')} (got ${JSON.stringify(target)})`);
    return undefined;
  }
  if (typeof value !== 'string' || value === '') {
    problems.push(`line ${line}: value must be a non-empty string`);
    return undefined;
  }
  if (iss !== undefined && iss !== null && iss !== '' && typeof iss !== 'string') {
    problems.push(`line ${line}: iss must be a string`);
    return undefined;
  }
  return { target: target as RevocationTargetType, value, ...(typeof iss === 'string' && iss !== '' ? { iss } : {}), line };
}

/**
 * Parses a list of revocation targets. Blank lines and lines starting with `#` are skipped.
 *
 * - JSON lines: one object per line, `{"target":"jti","value":"…"}` with an optional `"iss"`.
 * - CSV: `target,value[,iss]` per line, RFC 4180 quoting; a first line `target,value[,iss]` is a header.
 *
 * Every refused line is reported at once (up to 20), with its number; nothing is sent then.
 * Limits (value length, trusted issuers) are the authority's to check.
 *
 * @throws {UsageError} naming `source` and each bad line; also for a list with no target.
 */
export function parseRevocationList(text: string, format: RevocationListFormat, source: string): ListedTarget[] {
  const targets: ListedTarget[] = [];
  const problems: string[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    if (format === 'jsonl') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(trimmed);
      } catch (error) {
        problems.push(`line ${line}: not JSON (${(error as Error).message})`);
        return;
      }
      if (!isJsonObject(parsed)) {
        problems.push(`line ${line}: must be a JSON object {"target": …, "value": …}`);
        return;
      }
      const unknown = Object.keys(parsed).filter((k) => k !== 'target' && k !== 'value' && k !== 'iss');
      if (unknown.length > 0) {
        problems.push(`line ${line}: unknown field(s) ${unknown.join(', ')} (allowed: target, value, iss)`);
        return;
      }
      const checked = checkTarget({ target: parsed['target'], value: parsed['value'], iss: parsed['iss'] }, line, problems);
      if (checked !== undefined) targets.push(checked);
      return;
    }
    const fields = csvFields(trimmed);
    if (fields === undefined) {
      problems.push(`line ${line}: unterminated or misplaced quote`);
      return;
    }
    if (targets.length === 0 && problems.length === 0 && fields[0]?.toLowerCase() === 'target' && fields[1]?.toLowerCase() === 'value') return; // header
    if (fields.length < 2 || fields.length > 3) {
      problems.push(`line ${line}: expected target,value[,iss] (got ${fields.length} field(s))`);
      return;
    }
    const checked = checkTarget({ target: fields[0], value: fields[1], iss: fields[2] }, line, problems);
    if (checked !== undefined) targets.push(checked);
  });
  if (problems.length > 0) {
    const more = problems.length > MAX_LISTED_PROBLEMS ? `\n  … and ${problems.length - MAX_LISTED_PROBLEMS} more` : '';
    throw new UsageError(`${source}: ${problems.length} line(s) refused, nothing was sent:\n  ${problems.slice(0, MAX_LISTED_PROBLEMS).join('\n  ')}${more}`);
  }
  if (targets.length === 0) throw new UsageError(`${source} holds no target (one per line: ${format === 'csv' ? 'target,value[,iss]' : '{"target":…,"value":…}'})`);
  return targets;
}
