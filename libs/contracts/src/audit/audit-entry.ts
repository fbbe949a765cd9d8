import { createHash } from 'node:crypto';
import { z } from 'zod';
import { actorSchema } from '../events/envelope';
import { canonicalJson } from './canonical-json';

/** `prevHash` of the very first entry of a log (nothing before it): 64 zeros. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/** How an audited action ended. `requested` = stored as pending a second person's approval. */
export const AUDIT_OUTCOMES = ['succeeded', 'denied', 'failed', 'requested'] as const;
export type AuditOutcomeName = (typeof AUDIT_OUTCOMES)[number];

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits (SHA-256)');
const nullableText = (max: number) => z.string().max(max).nullable();

/**
 * One entry of the tamper-evident audit log, as stored, exported (one JSON line with
 * `"type":"entry"`) and published (`audit.recorded` payload).
 *
 * `hash` = hex SHA-256 of the canonical JSON ({@link canonicalJson}) of every other field,
 * `prevHash` included: editing any field breaks the entry's own hash, and rewriting an entry
 * with a recomputed hash breaks the next entry's `prevHash` link.
 */
export const auditEntrySchema = z.strictObject({
  /** Position in the log: 1, 2, 3... without gaps. */
  seq: z.number().int().positive(),
  /** When it was recorded, epoch ms. */
  at: z.number().int().nonnegative(),
  /** Stable dotted name: `revocations.create`, `operators.login`, `audit.export`... */
  action: z.string().min(1).max(200),
  outcome: z.enum(AUDIT_OUTCOMES),
  actor: actorSchema,
  /** The operator's role at the time; null for the system. */
  role: nullableText(64),
  /** What it acted on (a revocation id, kid, operator name...), if anything. */
  target: nullableText(1000),
  justification: nullableText(2000),
  requestId: nullableText(200),
  sourceAddress: nullableText(200),
  /** Extra facts (never secrets). */
  details: z.record(z.string(), z.unknown()),
  prevHash: sha256Hex,
  hash: sha256Hex,
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

/** An entry before its hash is computed. */
export type UnhashedAuditEntry = Omit<AuditEntry, 'hash'>;

/**
 * The hash of an entry: hex SHA-256 of the canonical JSON of every field except `hash`.
 * Extra properties (such as an export line's `type`) are not part of the entry and are ignored.
 * @throws {TypeError} when `details` holds something that is not JSON.
 */
export function auditEntryHash(entry: UnhashedAuditEntry): string {
  const content: UnhashedAuditEntry = {
    seq: entry.seq,
    at: entry.at,
    action: entry.action,
    outcome: entry.outcome,
    actor: { kind: entry.actor.kind, id: entry.actor.id },
    role: entry.role,
    target: entry.target,
    justification: entry.justification,
    requestId: entry.requestId,
    sourceAddress: entry.sourceAddress,
    details: entry.details,
    prevHash: entry.prevHash,
  };
  return createHash('sha256').update(canonicalJson(content), 'utf8').digest('hex');
}

/** The entry with its hash computed (see {@link auditEntryHash}). */
export function sealAuditEntry(entry: UnhashedAuditEntry): AuditEntry {
  return { ...entry, hash: auditEntryHash(entry) };
}
