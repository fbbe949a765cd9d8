import type { AuditContext, AuditOutcome } from './audit-context';

/** What a caller records. `action` is a stable dotted name (e.g. `revocations.create`, `operators.login`). */
export interface AuditEntryInput {
  readonly action: string;
  readonly outcome: AuditOutcome;
  /** What it acted on (a revocation id, kid, operator name, approval id...), if anything. */
  readonly target: string | null;
  readonly context: AuditContext;
  /** Extra facts; never secrets (no passwords, TOTP codes, tokens, key material). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** One stored entry, as hashed into the chain. */
export interface AuditRecord extends AuditEntryInput {
  readonly seq: number;
  readonly at: number;
  /** Hex SHA-256 of the previous entry (or of the checkpoint it follows). */
  readonly prevHash: string;
  /** Hex SHA-256 over this entry's canonical form including `prevHash`. */
  readonly hash: string;
}

/**
 * The append-only, hash-chained audit log. `append` is synchronous so it can run inside the
 * SQLite transaction that makes the change it records: a change and its audit entry commit
 * together or not at all.
 */
export interface AuditLog {
  append(entry: AuditEntryInput): AuditRecord;
}
