import { z } from 'zod';
import { auditCheckpointMatchesSignature, auditCheckpointSchema, type AuditCheckpoint } from './audit-checkpoint';
import { AUDIT_GENESIS_HASH, auditEntryHash, auditEntrySchema, type AuditEntry } from './audit-entry';
import { canonicalJson } from './canonical-json';

/** One line of an audit export: `{"type":"entry",...}`, or `{"type":"checkpoint",...}` (first line only). */
export const auditExportLineSchema = z.discriminatedUnion('type', [
  auditEntrySchema.extend({ type: z.literal('entry') }),
  auditCheckpointSchema.extend({ type: z.literal('checkpoint') }),
]);
export type AuditExportLine = z.infer<typeof auditExportLineSchema>;

/** The export line of an entry. */
export function auditEntryLine(entry: AuditEntry): AuditExportLine {
  return { type: 'entry', ...entry };
}

/** The export line of a checkpoint. */
export function auditCheckpointLine(checkpoint: AuditCheckpoint): AuditExportLine {
  return { type: 'checkpoint', ...checkpoint };
}

/**
 * What is wrong with a chain, at the first entry where it shows:
 * - `edited`: the entry's content does not match its hash; or it was rewritten with a
 *   recomputed hash, so the next entry's `prevHash` no longer points at it (named: the rewritten one);
 * - `deleted`: the entry is missing (a gap in `seq`, or the log ends before its last known entry);
 * - `reordered`: the entry is out of order (it comes before an entry with a lower `seq`, or it
 *   was moved to another entry's position);
 * - `inserted`: more than one entry claims the same `seq`;
 * - `checkpoint-mismatch`: the checkpoint's fields differ from what it signed, or the first
 *   entry after it does not continue from it;
 * - `malformed`: a line that is not an entry or checkpoint of this format.
 */
export type AuditChainProblem = 'edited' | 'deleted' | 'reordered' | 'inserted' | 'checkpoint-mismatch' | 'malformed';

export type AuditChainVerification =
  | {
      readonly ok: true;
      readonly entries: readonly AuditEntry[];
      /** Null when there is no entry. */
      readonly firstSeq: number | null;
      readonly lastSeq: number | null;
      readonly checkpoint: AuditCheckpoint | null;
    }
  | {
      readonly ok: false;
      /** The `seq` of the first bad entry (null when the bad line has no readable `seq`). */
      readonly seq: number | null;
      /** 1-based line (position in `items`) where it shows; null for a missing tail. */
      readonly line: number | null;
      readonly problem: AuditChainProblem;
      readonly detail: string;
    };

export interface VerifyAuditChainOptions {
  /**
   * The highest `seq` ever written, when the reader knows it from elsewhere (the store's
   * AUTOINCREMENT counter): entries deleted from the END of the log are then caught too, which
   * the chain alone cannot show.
   */
  readonly expectedLastSeq?: number;
}

type Failure = Extract<AuditChainVerification, { ok: false }>;

function fail(problem: AuditChainProblem, seq: number | null, line: number | null, detail: string): Failure {
  return { ok: false, problem, seq, line, detail };
}

function rawField(item: unknown, name: string): unknown {
  return typeof item === 'object' && item !== null ? (item as Record<string, unknown>)[name] : undefined;
}

function rawSeq(item: unknown): number | null {
  const seq = rawField(item, 'seq');
  return typeof seq === 'number' && Number.isInteger(seq) ? seq : null;
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
  return `${where}: ${issue?.message ?? 'invalid'}`;
}

/**
 * Whether the line holds nothing beyond the parsed entry (same canonical JSON). True when the
 * entry itself is not JSON: the hash check then names it `malformed`.
 */
function coversAll(body: unknown, entry: AuditEntry): boolean {
  let parsed: string;
  try {
    parsed = canonicalJson(entry);
  } catch {
    return true;
  }
  try {
    return canonicalJson(body) === parsed;
  } catch {
    return false;
  }
}

function range(from: number, to: number): string {
  return from === to ? `entry ${from} is` : `entries ${from}..${to} are`;
}

/**
 * Verifies an audit log given as its export's lines, already parsed from JSON: an optional
 * checkpoint first, then entries in `seq` order. Checks each entry's hash, that `seq` runs
 * without gaps or repeats, and that each `prevHash` is the hash of the entry before (or the
 * checkpoint's `lastHash`, or 64 zeros at the very start). Names the FIRST bad entry.
 *
 * Does not check who signed the checkpoint (that needs the authority's public keys:
 * {@link verifyAuditCheckpointSignature}), only that its fields are what its signature covers.
 * Never throws.
 */
export function verifyAuditChain(items: readonly unknown[], options: VerifyAuditChainOptions = {}): AuditChainVerification {
  // Where every seq appears, to tell a moved entry from a missing one.
  const linesBySeq = new Map<number, number[]>();
  items.forEach((item, index) => {
    if (rawField(item, 'type') !== 'entry') return;
    const seq = rawSeq(item);
    if (seq === null) return;
    linesBySeq.set(seq, [...(linesBySeq.get(seq) ?? []), index + 1]);
  });

  let checkpoint: AuditCheckpoint | null = null;
  let previous: AuditEntry | null = null;
  let expectedSeq = 1;
  let expectedPrev = AUDIT_GENESIS_HASH;
  const entries: AuditEntry[] = [];

  for (let index = 0; index < items.length; index += 1) {
    const line = index + 1;
    const item = items[index];
    const type = rawField(item, 'type');
    if (type === 'checkpoint') {
      if (index !== 0) return fail('malformed', null, line, `line ${line}: a checkpoint may only be the first line`);
      const { type: _type, ...body } = item as Record<string, unknown>;
      const parsed = auditCheckpointSchema.safeParse(body);
      if (!parsed.success) return fail('malformed', null, line, `line ${line}: invalid checkpoint: ${firstIssue(parsed.error)}`);
      checkpoint = parsed.data;
      if (!auditCheckpointMatchesSignature(checkpoint)) {
        return fail('checkpoint-mismatch', checkpoint.upToSeq, line, 'the checkpoint was changed after it was signed: its fields differ from its signature');
      }
      expectedSeq = checkpoint.upToSeq + 1;
      expectedPrev = checkpoint.lastHash;
      continue;
    }
    if (type !== 'entry') return fail('malformed', rawSeq(item), line, `line ${line}: not an audit entry or checkpoint (type ${JSON.stringify(type)})`);
    const { type: _type, ...body } = item as Record<string, unknown>;
    const parsed = auditEntrySchema.safeParse(body);
    if (!parsed.success) return fail('malformed', rawSeq(item), line, `line ${line}: invalid audit entry: ${firstIssue(parsed.error)}`);
    const entry = parsed.data;
    const { seq } = entry;
    // Parsing drops what the schema does not know (an extra `actor` field, a `__proto__` key in
    // `details`), and the hash is computed over what remains: content it does not cover is an edit.
    if (!coversAll(body, entry)) {
      return fail('edited', seq, line, `entry ${seq} (${entry.action}) holds content its hash does not cover: it was changed`);
    }

    let computed: string;
    try {
      computed = auditEntryHash(entry);
    } catch (error) {
      return fail('malformed', seq, line, `entry ${seq}: cannot be hashed: ${(error as Error).message}`);
    }
    if (computed !== entry.hash) {
      // Content that hashes correctly under another seq was moved here from that position. Only
      // computed for the first bad entry, so trying every seq of the log once is affordable.
      const origin = [...linesBySeq.keys()].find((other) => other !== seq && auditEntryHash({ ...entry, seq: other }) === entry.hash);
      if (origin !== undefined) {
        return fail('reordered', seq, line, `the entry at seq ${seq} is entry ${origin} moved there`);
      }
      return fail('edited', seq, line, `entry ${seq} (${entry.action}) does not match its hash: its content was changed`);
    }

    const claims = linesBySeq.get(seq) ?? [];
    if (claims.length > 1) {
      return fail('inserted', seq, line, `lines ${claims.join(', ')} all claim seq ${seq}: an entry was inserted`);
    }
    if (checkpoint !== null && seq <= checkpoint.upToSeq) {
      return fail('checkpoint-mismatch', seq, line, `entry ${seq} is still present although the checkpoint says entries up to ${checkpoint.upToSeq} were purged`);
    }
    if (previous !== null && seq < expectedSeq) {
      return fail('reordered', seq, line, `entry ${seq} comes after entry ${previous.seq}`);
    }
    if (seq > expectedSeq) {
      const laterLine = (linesBySeq.get(expectedSeq) ?? []).find((l) => l > line);
      if (laterLine !== undefined) {
        return fail('reordered', seq, line, `entry ${seq} comes before entry ${expectedSeq} (line ${laterLine})`);
      }
      const after = previous !== null ? `entry ${previous.seq}` : checkpoint !== null ? `the checkpoint (up to ${checkpoint.upToSeq})` : 'the start of the log';
      return fail('deleted', expectedSeq, line, `${range(expectedSeq, seq - 1)} missing: entry ${seq} follows ${after}`);
    }
    if (entry.prevHash !== expectedPrev) {
      if (previous !== null) {
        return fail(
          'edited',
          previous.seq,
          line - 1,
          `entry ${seq} does not link to entry ${previous.seq}: entry ${previous.seq} was rewritten with a recomputed hash (or entry ${seq} was not written after it)`,
        );
      }
      if (checkpoint !== null) {
        return fail('checkpoint-mismatch', seq, line, `entry ${seq} does not continue from the checkpoint: its prevHash differs from the checkpoint's lastHash`);
      }
      return fail('edited', seq, line, `entry ${seq} is the first entry but does not start from the genesis hash`);
    }
    entries.push(entry);
    previous = entry;
    expectedSeq = seq + 1;
    expectedPrev = entry.hash;
  }

  const lastSeq = previous?.seq ?? (checkpoint?.upToSeq ?? 0);
  if (options.expectedLastSeq !== undefined && options.expectedLastSeq > lastSeq) {
    return fail('deleted', lastSeq + 1, null, `${range(lastSeq + 1, options.expectedLastSeq)} missing from the end of the log`);
  }
  return {
    ok: true,
    entries,
    firstSeq: entries[0]?.seq ?? null,
    lastSeq: previous?.seq ?? null,
    checkpoint,
  };
}

/**
 * {@link verifyAuditChain} over an export's text (JSON lines; blank lines ignored). A line that
 * is not JSON is `malformed`.
 */
export function verifyAuditExport(ndjson: string, options: VerifyAuditChainOptions = {}): AuditChainVerification {
  const items: unknown[] = [];
  /** File line number of each item. */
  const fileLines: number[] = [];
  const lines = ndjson.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const text = lines[i]!.trim();
    if (text === '') continue;
    try {
      items.push(JSON.parse(text));
    } catch (error) {
      return fail('malformed', null, i + 1, `line ${i + 1} is not JSON: ${(error as Error).message}`);
    }
    fileLines.push(i + 1);
  }
  const result = verifyAuditChain(items, options);
  if (result.ok || result.line === null) return result;
  const line = fileLines[result.line - 1] ?? result.line;
  return { ...result, line, detail: result.detail.replace(`line ${result.line}`, `line ${line}`) };
}
