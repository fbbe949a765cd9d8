import {
  DEFAULT_SNAPSHOT_CHUNK_BYTES,
  encodeSnapshotRules,
  mergeSnapshotRules,
  signSnapshot,
  type EventSigningKey,
  type RevocationTargetType,
  type SnapshotManifest,
  type SnapshotRule,
  type TopicNames,
  type TopicSpec,
} from '@revmesh/contracts';
import type { RecordPublisher, TopicInspector } from '@revmesh/transport';
import type { AuditContext } from '../audit/audit-context';
import type { AuditLog } from '../audit/audit-log';
import { logErrorFields } from '../logging/log-fields';
import { silentLogger, type AuthorityLogger } from '../logging/logger';
import type { AuthorityStore } from '../store/store';
import { systemClock, type Clock, type Milliseconds } from '../time/clock';

/** Default interval between two periodic snapshots, ms (10 minutes). A snapshot is skipped when the revocations topic has not moved since the last one. */
export const DEFAULT_SNAPSHOT_INTERVAL_MS: Milliseconds = 600_000;

/** What one publication did. */
export interface SnapshotSummary {
  readonly seq: number;
  readonly rules: number;
  readonly bytes: number;
  readonly chunks: number;
  readonly offsets: SnapshotManifest['offsets'];
  readonly createdAt: number;
  /** Time to read, encode, sign and publish it, ms. */
  readonly durationMs: number;
}

export interface SnapshotPublisherOptions {
  readonly store: AuthorityStore;
  /** Reads the topics' high watermarks (the offsets a snapshot covers). */
  readonly inspector: TopicInspector;
  /** A connected (or connecting) publisher; one record per call, as chunks are up to 1 MiB each. */
  readonly publisher: Pick<RecordPublisher, 'publish'>;
  readonly topics: Pick<TopicNames, 'revocations' | 'keys' | 'snapshots'>;
  /** How the snapshot topic is created (compacted, one partition). */
  readonly snapshotTopic: TopicSpec;
  /** Creates the snapshot topic if missing (once, before the first snapshot). */
  readonly ensureTopics: (specs: readonly TopicSpec[]) => Promise<void>;
  readonly signer: { readonly current: EventSigningKey };
  readonly keySetVersion: () => number;
  readonly audit: AuditLog;
  /** Periodic snapshots, ms; 0 turns them off (on-demand only). Default {@link DEFAULT_SNAPSHOT_INTERVAL_MS}. */
  readonly intervalMs?: Milliseconds;
  /** Default {@link DEFAULT_SNAPSHOT_CHUNK_BYTES}. */
  readonly chunkBytes?: number;
  readonly clock?: Clock;
  readonly logger?: AuthorityLogger;
}

/**
 * Publishes signed snapshots of the live deny state on the snapshot topic, so a starting sidecar
 * loads one and replays only the tail of the revocations topic.
 *
 * **Consistency.** The revocations topic's offsets are read FIRST, then the store. Every record
 * below those offsets was published from a committed revocation, so the store's live rules
 * include all of them (plus perhaps a few committed since, which the tail repeats, harmlessly:
 * rules only merge upward). After a topic loss the guard republishes the live state and asks for
 * a snapshot at once (`publishNow`), so the newest snapshot names offsets of the recreated topic.
 *
 * One snapshot at a time; the periodic one is skipped when the revocations topic has not moved.
 */
export interface SnapshotPublisher {
  /** Periodic snapshots (when `intervalMs` > 0), the first one interval after start. Idempotent. */
  start(): void;
  /** Waits for a snapshot in progress. */
  stop(): Promise<void>;
  /**
   * Publishes a snapshot now (an operator's request, or after a topic recovery) and audits it
   * (`snapshots.publish`). Rejects if the broker cannot be asked or written to (audited `failed`).
   */
  publishNow(context: AuditContext): Promise<SnapshotSummary>;
  /** The last snapshot this process published. */
  last(): SnapshotSummary | undefined;
}

interface LiveRow {
  id: string;
  target_type: RevocationTargetType;
  target_value: string;
  iss: string | null;
  not_after_iat: number;
  expires_at: number;
}

function* rulesOf(rows: Iterable<LiveRow>): Generator<SnapshotRule> {
  for (const row of rows) {
    yield { revocationId: row.id, targetType: row.target_type, value: row.target_value, iss: row.iss ?? undefined, notAfterIat: row.not_after_iat, expiresAt: row.expires_at };
  }
}

export function createSnapshotPublisher(options: SnapshotPublisherOptions): SnapshotPublisher {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const intervalMs = options.intervalMs ?? DEFAULT_SNAPSHOT_INTERVAL_MS;
  if (!Number.isInteger(intervalMs) || intervalMs < 0) throw new TypeError('snapshot intervalMs must be an integer ≥ 0 (0: on demand only)');
  const live = options.store.db.prepare<[number], LiveRow>(
    `SELECT id, target_type, target_value, iss, not_after_iat, expires_at FROM revocations WHERE expires_at > ? ORDER BY rowid`,
  );
  let lastSeq = 0;
  let last: SnapshotSummary | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let topicReady = false;

  const offsetsOf = async (): Promise<SnapshotManifest['offsets']> => {
    const [revocations, keys] = await options.inspector.describeTopics([options.topics.revocations, options.topics.keys]);
    const of = (state: typeof revocations) => Object.fromEntries((state?.partitions ?? []).map((p) => [String(p.partition), p.high]));
    return { revocations: of(revocations), keys: of(keys) };
  };

  const build = async (): Promise<SnapshotSummary> => {
    const began = clock.now();
    if (!topicReady) {
      await options.ensureTopics([options.snapshotTopic]);
      topicReady = true;
    }
    // Offsets first, then the store: the store then holds at least every rule below the offsets.
    const offsets = await offsetsOf();
    // Read once the offsets are known: every record below them was created (CreateTime) before it.
    const coveredAt = clock.now();
    const now = coveredAt;
    // Streamed: a million rows are never held as row objects at once.
    const rules = mergeSnapshotRules(rulesOf(live.iterate(now)), now);
    const body = encodeSnapshotRules(rules);
    // Grows with every snapshot, also across restarts (the clock moves on).
    const seq = Math.max(now, lastSeq + 1);
    const { manifest, records } = await signSnapshot(
      {
        seq,
        createdAt: now,
        coveredAt,
        topics: { revocations: options.topics.revocations, keys: options.topics.keys },
        offsets,
        keySetVersion: options.keySetVersion(),
        ruleCount: rules.length,
        body,
        chunkBytes: options.chunkBytes ?? DEFAULT_SNAPSHOT_CHUNK_BYTES,
      },
      options.signer.current,
    );
    // One record per request: a chunk is up to the topic's record limit on its own.
    try {
      for (const record of records) await options.publisher.publish([{ topic: options.topics.snapshots, key: record.key, value: record.value }]);
    } catch (error) {
      // The topic may be gone (deleted on the broker): the next snapshot creates it again.
      topicReady = false;
      throw error;
    }
    lastSeq = seq;
    last = { seq, rules: rules.length, bytes: body.length, chunks: manifest.chunks.length, offsets, createdAt: now, durationMs: clock.now() - began };
    logger.info('published a signed snapshot of the live deny state', { seq, rules: rules.length, bytes: body.length, chunks: manifest.chunks.length, duration_ms: last.durationMs });
    return last;
  };

  /** One snapshot at a time: a slow broker must not stack them. */
  const exclusive = <T>(run: () => Promise<T>): Promise<T> => {
    const next = running.then(run, run);
    running = next.catch(() => undefined);
    return next;
  };

  const periodic = async (): Promise<void> => {
    if (last !== undefined) {
      const { revocations } = await offsetsOf();
      if (JSON.stringify(revocations) === JSON.stringify(last.offsets.revocations)) return;
    }
    await build();
  };

  return {
    start() {
      if (timer !== undefined || intervalMs === 0) return;
      timer = setInterval(() => {
        void exclusive(periodic).catch((error: unknown) => logger.warn('periodic snapshot failed; the next interval tries again', logErrorFields(error)));
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await running;
    },
    publishNow(context) {
      return exclusive(async () => {
        try {
          const summary = await build();
          options.audit.append({ action: 'snapshots.publish', outcome: 'succeeded', target: String(summary.seq), context, details: { rules: summary.rules, bytes: summary.bytes, chunks: summary.chunks, offsets: summary.offsets } });
          return summary;
        } catch (error) {
          options.audit.append({ action: 'snapshots.publish', outcome: 'failed', target: null, context, details: { error: error instanceof Error ? error.message : String(error) } });
          throw error;
        }
      });
    },
    last: () => last,
  };
}
