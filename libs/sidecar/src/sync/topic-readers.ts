import type { TopicNames } from '@revmesh/contracts';
import type { EventTransport, IncomingRecord, TopicReader } from '@revmesh/transport';
import type { SidecarLogger } from '../logging/logger';
import type { SnapshotBootstrap } from '../snapshots/snapshot-bootstrap';
import type { SnapshotTail } from '../snapshots/snapshot-tail';
import type { EventTopicKind } from './event-rejection';

export interface TopicReadersOptions {
  readonly topics: TopicNames;
  readonly instanceId: string;
  readonly logger: SidecarLogger;
  /** Hands one record to the event intake (never throws). */
  readonly handle: (topic: EventTopicKind, record: IncomingRecord) => Promise<void>;
  /** Told of every batch fetched before its records reach `handle` (the intake starts their signature checks at once). Must not throw. */
  readonly prefetch?: (topic: EventTopicKind, records: readonly IncomingRecord[]) => void;
  /** The cold start from a signed snapshot; absent: the revocations topic is replayed in full. */
  readonly snapshots?: SnapshotBootstrap;
  /** Told when a topic's offsets went backwards and its reader reads it again from its beginning. Must not throw. */
  readonly onRewound?: (topic: EventTopicKind, partition: number, upToOffset: string) => void;
  /** True once the sidecar is closed: records still in flight are dropped. */
  readonly isClosed: () => boolean;
  /** Called once both topics are caught up (every record that existed at start handled). */
  readonly onCaughtUp: () => void;
  /** Called if a reader stops before catching up. */
  readonly onNotCaughtUp: (error: unknown) => void;
}

/** The two private readers of the keys and revocation topics, started in order. */
export interface TopicReaders {
  /**
   * Starts the keys reader; once the keys topic is caught up, loads the newest signed snapshot
   * (when enabled) and starts the revocations reader at the snapshot's offsets, or at the
   * beginning. Revocations wait for the keys topic, so a revocation (or a snapshot) signed by a
   * signer announced there is not refused (`UNKNOWN_SIGNER`) for arriving first. Resolves once
   * the keys reader reads; `onCaughtUp` (or `onNotCaughtUp`) follows once both topics are caught up.
   */
  start(transport: EventTransport): Promise<void>;
  /** Stops both readers (logging, never throwing). Idempotent. */
  stop(): Promise<void>;
  /** Consumer lag per topic, as of the readers' last fetch. */
  lag(): { readonly keys: number | undefined; readonly revocations: number | undefined };
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export function createTopicReaders(options: TopicReadersOptions): TopicReaders {
  const { topics, instanceId, logger } = options;
  let keysReader: TopicReader | undefined;
  let revocationsReader: TopicReader | undefined;
  let stopped = false;
  const onHandlerError = (error: unknown, record: IncomingRecord): void =>
    // intake.handle never throws; if it somehow did, say where.
    logger.error('revmesh sidecar event handler threw', { error: messageOf(error), topic: record.topic, offset: record.offset });
  const onReset = (topic: EventTopicKind) =>
    options.onRewound === undefined ? {} : { onReset: (reset: { partition: number; previousOffset: string }) => options.onRewound!(topic, reset.partition, reset.previousOffset) };
  const prefetch = (topic: EventTopicKind) => (options.prefetch === undefined ? {} : { onFetched: (records: readonly IncomingRecord[]) => options.prefetch!(topic, records) });

  /** Reads the revocations topic from the snapshot's tail (or in full); resolves once caught up, or rejects. */
  const readRevocations = async (transport: EventTransport, tail: SnapshotTail | undefined): Promise<void> => {
    let mismatch = false;
    const reader = transport.createReader({
      topic: topics.revocations,
      readerId: instanceId,
      onHandlerError,
      ...prefetch('revocations'),
      ...onReset('revocations'),
      ...(tail === undefined ? {} : { fromOffsets: tail.fromOffsets }),
    });
    revocationsReader = reader;
    if (stopped) {
      await reader.stop();
      throw new Error('revmesh sidecar stopped before reading the revocations topic');
    }
    await reader.start(async (record) => {
      if (options.isClosed() || mismatch) return;
      if (tail !== undefined) {
        const verdict = tail.check(record);
        if (verdict === 'covered') return;
        if (verdict === 'mismatch') {
          mismatch = true;
          return;
        }
      }
      await options.handle('revocations', record);
    });
    await reader.caughtUp;
    if (tail === undefined || stopped) return;
    const missing = tail.missingAnchors();
    if (!mismatch && missing.length === 0) return;
    // The topic is not the one the snapshot covered: read it all. Rules already loaded stay (each is a genuine revocation).
    options.snapshots?.tailMismatch(missing);
    await reader.stop().catch(() => undefined);
    if (stopped) return;
    await readRevocations(transport, undefined);
  };

  return {
    async start(transport) {
      const keys = transport.createReader({ topic: topics.keys, readerId: `${instanceId}.keys`, onHandlerError, ...prefetch('keys'), ...onReset('keys') });
      keysReader = keys;
      await keys.start((record) => options.handle('keys', record));
      void (async () => {
        await keys.caughtUp;
        if (stopped) throw new Error('stopped');
        const tail = options.snapshots === undefined ? undefined : await options.snapshots.load(transport);
        if (stopped) throw new Error('stopped');
        await readRevocations(transport, tail);
      })().then(
        () => {
          if (!stopped) options.onCaughtUp();
        },
        (error: unknown) => options.onNotCaughtUp(error),
      );
    },
    async stop() {
      stopped = true;
      const stopping = [keysReader, revocationsReader];
      keysReader = undefined;
      revocationsReader = undefined;
      for (const reader of stopping) {
        if (reader === undefined) continue;
        try {
          await reader.stop();
        } catch (error) {
          logger.warn('revmesh sidecar: stopping a reader failed', { error: messageOf(error) });
        }
      }
    },
    lag: () => ({ keys: keysReader?.lag(), revocations: revocationsReader?.lag() }),
  };
}
