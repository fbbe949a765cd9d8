import { translateStoreError, type AuthorityStore } from '../store/store';

/**
 * The signed `audit.recorded` copies of audit entries in the outbox (record key `audit:<seq>`).
 * Offline verification compares every kept entry with its copy, so a copy is kept exactly as long
 * as its entry: the audit retention deletes both together, behind its signed checkpoint.
 */
export interface AuditCopies {
  /**
   * Deletes up to `limit` PUBLISHED copies of entries with `seq <= upToSeq` (entries already
   * purged). A copy still waiting for the broker stays until it is published. Synchronous: call it
   * inside the transaction of the purge, or on its own.
   * @returns how many were deleted.
   */
  prunePurged(upToSeq: number, limit: number): number;
  /** Outbox seqs of up to `limit` published copies of entries with `seq <= upToSeq` (read only). */
  purgedCopies(upToSeq: number, limit: number): number[];
}

/** @param topic the audit topic (`topicNames(prefix).audit`): only its rows are copies. */
export function createAuditCopies(store: AuthorityStore, topic: string): AuditCopies {
  // The expression and the LIKE term are those of the outbox_audit_copies index (migration 11).
  const PURGED = `SELECT seq FROM outbox
     WHERE record_key LIKE 'audit:%' AND CAST(substr(record_key, 7) AS INTEGER) <= ?
       AND topic = ? AND published_at IS NOT NULL
     LIMIT ?`;
  const prune = store.db.prepare<[number, string, number]>(`DELETE FROM outbox WHERE seq IN (${PURGED})`);
  const select = store.db.prepare<[number, string, number], { seq: number }>(PURGED);
  const checkLimit = (limit: number): void => {
    if (!Number.isInteger(limit) || limit < 1) throw new TypeError('limit must be a positive integer');
  };
  return {
    prunePurged(upToSeq, limit) {
      checkLimit(limit);
      try {
        return prune.run(upToSeq, topic, limit).changes;
      } catch (error) {
        throw translateStoreError(error, 'cannot prune signed audit copies');
      }
    },
    purgedCopies(upToSeq, limit) {
      checkLimit(limit);
      try {
        return select.all(upToSeq, topic, limit).map((row) => row.seq);
      } catch (error) {
        throw translateStoreError(error, 'cannot read signed audit copies');
      }
    },
  };
}
