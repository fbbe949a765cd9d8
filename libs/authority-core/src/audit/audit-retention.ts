import { signAuditCheckpoint, type AuditCheckpoint, type EventSigningKey } from '@revmesh/contracts';
import { SigningError } from '../errors/errors';
import { logErrorFields } from '../logging/log-fields';
import { silentLogger, type AuthorityLogger } from '../logging/logger';
import type { PolicySource } from '../policy/policy-document';
import type { AuthorityStore } from '../store/store';
import type { Clock, Milliseconds } from '../time/clock';
import { createIntervalJob } from '../time/interval-job';
import { systemAuditContext } from './audit-context';
import type { AuditCopies } from './audit-copies';
import type { AuditLogStore } from './audit-store';

/** What one purge did. */
export interface AuditPurgeResult {
  readonly checkpoint: AuditCheckpoint;
  /** Entries deleted. */
  readonly purged: number;
  /** Their signed copies deleted from the outbox (those already published). */
  readonly copiesPruned: number;
  /** Seq of the `audit.purge` entry recording it. */
  readonly auditSeq: number;
}

/** The retention job of the audit log. */
export interface AuditRetention {
  /** Purges what is older than the policy's retention now. @returns null when nothing is due (or an export is being read). */
  runOnce(): Promise<AuditPurgeResult | null>;
  /** Runs {@link runOnce} every `intervalMs` (errors logged). Idempotent. */
  start(): void;
  stop(): void;
}

export interface AuditRetentionOptions {
  readonly store: AuthorityStore;
  readonly log: AuditLogStore;
  /** Signs the checkpoint (the current event signer). */
  readonly signer: { readonly current: EventSigningKey };
  /** `policy.audit.retentionDays`, read at every run. */
  readonly policy: PolicySource;
  readonly clock: Clock;
  readonly logger?: AuthorityLogger;
  /** How often {@link AuditRetention.start} runs the job. Default 1 hour. */
  readonly intervalMs?: Milliseconds;
  /** The entries' signed copies in the outbox, deleted with them. Absent: copies are kept. */
  readonly copies?: AuditCopies;
}

const DAY_MS = 24 * 3600_000;
/** Actor of the retention job's own entry. */
export const AUDIT_RETENTION_ACTOR_ID = 'audit-retention';

/**
 * Deletes entries older than the retention, behind a checkpoint `{upToSeq, lastHash, at, count}`
 * signed by the event signer, in ONE transaction with the deletion and with the job's own
 * `audit.purge` entry: the first remaining entry's `prevHash` is the checkpoint's `lastHash`, so
 * the chain still verifies from the checkpoint on. The purged entries' signed copies (outbox)
 * go in the same transaction: what offline verification compares stays exactly what is kept.
 */
export function createAuditRetention(options: AuditRetentionOptions): AuditRetention {
  const { store, log, clock } = options;
  const logger = options.logger ?? silentLogger;

  async function purge(): Promise<AuditPurgeResult | null> {
    // An export reads page by page: purging under it would cut a hole in what it returns.
    if (log.exportsInProgress() > 0) {
      logger.info('audit: retention purge postponed while an export is being read');
      return null;
    }
    const now = clock.now();
    const retentionDays = options.policy.current().audit.retentionDays;
    const cutoff = now - retentionDays * DAY_MS;
    const last = log.lastBefore(cutoff);
    if (last === undefined) return null;
    const count = log.countUpTo(last.seq);
    if (count === 0) return null;
    const signer = options.signer.current;
    let checkpoint: AuditCheckpoint;
    try {
      // Signed before the transaction (jose is async); the log is append-only, so what it
      // states (entry `last.seq` hashes to `last.hash`) still holds inside the transaction.
      checkpoint = await signAuditCheckpoint({ upToSeq: last.seq, lastHash: last.hash, at: now, count }, signer);
    } catch (error) {
      throw new SigningError(`cannot sign the audit checkpoint: ${String(error)}`, { cause: error });
    }
    if (log.exportsInProgress() > 0) return null;
    return store.transaction(() => {
      const still = log.get(last.seq);
      if (still === undefined || still.hash !== last.hash) throw new TypeError(`audit entry ${last.seq} changed while purging`);
      const purged = log.purge(checkpoint, signer.kid);
      const copiesPruned = options.copies?.prunePurged(checkpoint.upToSeq, Number.MAX_SAFE_INTEGER) ?? 0;
      const entry = log.append({
        action: 'audit.purge',
        outcome: 'succeeded',
        target: null,
        context: systemAuditContext(AUDIT_RETENTION_ACTOR_ID, `retention: entries older than ${retentionDays} days`),
        details: { upToSeq: checkpoint.upToSeq, lastHash: checkpoint.lastHash, count: purged, copiesPruned, retentionDays, signerKid: signer.kid },
      });
      return { checkpoint, purged, copiesPruned, auditSeq: entry.seq };
    });
  }

  return createIntervalJob({
    intervalMs: options.intervalMs ?? 3600_000,
    run: purge,
    onResult: (result) => {
      if (result !== null) logger.info('audit: purged entries past retention', { purged: result.purged, up_to_seq: result.checkpoint.upToSeq });
    },
    onError: (error) => logger.error('audit: retention purge failed', logErrorFields(error)),
  });
}
