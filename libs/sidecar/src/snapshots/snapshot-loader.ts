import {
  assembleSnapshot,
  openSnapshotManifest,
  parseSnapshotChunk,
  SNAPSHOT_MANIFEST_KEY,
  type EventSignerTrust,
  type SnapshotManifest,
  type SnapshotRefusalReason,
  type TopicNames,
} from '@revmesh/contracts';
import type { EventTransport, IncomingRecord } from '@revmesh/transport';
import type { SidecarLogger } from '../logging/logger';

/** The newest valid snapshot found on the snapshot topic: its manifest and its verified body. */
export interface LoadedSnapshot {
  readonly manifest: SnapshotManifest;
  readonly body: Buffer;
  readonly signerKid: string;
}

export interface SnapshotRefusal {
  readonly reason: SnapshotRefusalReason;
  readonly message: string;
  readonly seq?: number;
}

export interface ReadSnapshotOptions {
  readonly transport: EventTransport;
  readonly topics: TopicNames;
  readonly readerId: string;
  /** Who may sign a snapshot: the signers trusted for revocations (a snapshot can only deny). */
  readonly trust: EventSignerTrust;
  /** Snapshots at or below this `seq` are refused as `OLD` (the newest this sidecar already holds). */
  readonly heldSeq: number;
  /** Gives up (no snapshot, full replay) after this long, ms. */
  readonly timeoutMs: number;
  readonly logger: SidecarLogger;
  /** Called for each refused snapshot (count and log). */
  readonly onRefused: (refusal: SnapshotRefusal) => void;
  /** True once the sidecar is closed: stop early. */
  readonly isClosed: () => boolean;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Whether the transport can say a topic is absent (the Kafka transport can), so a missing snapshot topic costs no timeout. */
const topicMissing = async (transport: EventTransport, topic: string): Promise<boolean> => {
  const inspector = transport as Partial<{ describeTopics(topics: readonly string[]): Promise<readonly { exists: boolean }[]> }>;
  if (typeof inspector.describeTopics !== 'function') return false;
  try {
    const [state] = await inspector.describeTopics([topic]);
    return state !== undefined && !state.exists;
  } catch {
    return false;
  }
};

/**
 * Reads the whole snapshot topic once and returns the newest snapshot that is signed by a trusted
 * signer, complete (every chunk present and matching its hash), for these topics, and newer than
 * `heldSeq`; undefined when there is none (the caller then replays the topics in full).
 *
 * Manifests are verified as they arrive (one signature each), so the chunks of snapshots older
 * than the newest valid manifest are dropped at once: memory stays about one snapshot (plus the
 * one being published, if any). A valid manifest arriving after a newer one (an old snapshot
 * written again) is refused as `OLD`; one signed by nobody trusted as `FORGED`; one whose chunks
 * do not add up as `TRUNCATED`.
 */
export async function readNewestSnapshot(options: ReadSnapshotOptions): Promise<LoadedSnapshot | undefined> {
  const { topics, logger } = options;
  if (await topicMissing(options.transport, topics.snapshots)) {
    logger.info('revmesh sidecar: no snapshot topic; replaying the topics in full', { topic: topics.snapshots });
    return undefined;
  }
  const chunks = new Map<number, Map<number, Buffer>>();
  const valid: { manifest: SnapshotManifest; signerKid: string }[] = [];
  let newestSeq = options.heldSeq;
  // Manifests are verified in arrival order (a chain, so the refusals are counted in order too).
  let verifying: Promise<void> = Promise.resolve();

  const onManifest = async (record: IncomingRecord): Promise<void> => {
    const opened = await openSnapshotManifest(record.value, options.trust);
    if (!opened.ok) {
      options.onRefused({ reason: opened.reason, message: `${opened.message} (offset ${record.offset})` });
      return;
    }
    const { manifest } = opened;
    if (manifest.topics.revocations !== topics.revocations || manifest.topics.keys !== topics.keys) {
      options.onRefused({ reason: 'TOPIC_MISMATCH', seq: manifest.seq, message: `snapshot ${manifest.seq} covers ${manifest.topics.revocations}, not ${topics.revocations}` });
      return;
    }
    if (manifest.seq <= newestSeq) {
      options.onRefused({ reason: 'OLD', seq: manifest.seq, message: `snapshot ${manifest.seq} is not newer than ${newestSeq}` });
      return;
    }
    newestSeq = manifest.seq;
    valid.push({ manifest, signerKid: opened.signerKid });
    for (const seq of chunks.keys()) if (seq < manifest.seq && !valid.some((v) => v.manifest.seq === seq)) chunks.delete(seq);
  };

  const handle = (record: IncomingRecord): void => {
    if (record.key === SNAPSHOT_MANIFEST_KEY) {
      verifying = verifying.then(() => onManifest(record));
      return;
    }
    const chunk = parseSnapshotChunk(record.value);
    // Tombstones of superseded chunks and anything else are skipped; chunks of snapshots older than the newest valid one are never kept.
    if (chunk === undefined || chunk.seq < newestSeq) return;
    let held = chunks.get(chunk.seq);
    if (held === undefined) chunks.set(chunk.seq, (held = new Map()));
    held.set(chunk.index, chunk.data);
  };

  // Large fetches: the topic holds a few dozen records of 512 KiB per snapshot.
  const reader = options.transport.createReader({ topic: topics.snapshots, readerId: options.readerId, maxBytesPerPartition: 32 * 1024 * 1024 });
  let timer: NodeJS.Timeout | undefined;
  try {
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), options.timeoutMs);
      timer.unref?.();
    });
    const read = (async () => {
      await reader.start((record) => handle(record));
      await reader.caughtUp;
      return 'read' as const;
    })();
    read.catch(() => undefined);
    const outcome = await Promise.race([read, timedOut]);
    if (outcome === 'timeout') {
      logger.warn('revmesh sidecar: reading the snapshot topic took too long; replaying the topics in full', { topic: topics.snapshots, timeout_ms: options.timeoutMs });
      return undefined;
    }
    await verifying;
  } catch (error) {
    if (!options.isClosed()) logger.warn('revmesh sidecar: cannot read the snapshot topic; replaying the topics in full', { topic: topics.snapshots, error: messageOf(error) });
    return undefined;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    await reader.stop().catch(() => undefined);
  }

  // Newest first; a snapshot whose chunks do not add up is refused and the next newest tried.
  for (const { manifest, signerKid } of valid.sort((a, b) => b.manifest.seq - a.manifest.seq)) {
    const assembled = assembleSnapshot(manifest, chunks.get(manifest.seq) ?? new Map());
    if (assembled.ok) return { manifest, body: assembled.body, signerKid };
    options.onRefused({ reason: assembled.reason, seq: manifest.seq, message: assembled.message });
  }
  return undefined;
}
