import type { TopicNames } from '@revmesh/contracts';
import type { EventTransport, IncomingRecord, TopicReader } from '@revmesh/transport';
import type { SidecarLogger } from '../logging/logger';
import type { EventTopicKind } from './event-rejection';

export interface TopicReadersOptions {
  readonly topics: TopicNames;
  readonly instanceId: string;
  readonly logger: SidecarLogger;
  /** Hands one record to the event intake (never throws). */
  readonly handle: (topic: EventTopicKind, record: IncomingRecord) => Promise<void>;
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
   * Starts the keys reader, then the revocations reader; revocations wait until the keys topic is
   * caught up, so a revocation signed by a signer announced there is not refused (`UNKNOWN_SIGNER`)
   * for arriving first, and lost to this instance. Resolves once both read; `onCaughtUp` (or
   * `onNotCaughtUp`) follows, possibly before.
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
  let readers: TopicReader[] = [];
  const onHandlerError = (error: unknown, record: IncomingRecord): void =>
    // intake.handle never throws; if it somehow did, say where.
    logger.error('revmesh sidecar event handler threw', { error: messageOf(error), topic: record.topic, offset: record.offset });

  return {
    async start(transport) {
      const keysReader = transport.createReader({ topic: topics.keys, readerId: `${instanceId}.keys`, onHandlerError });
      const revocationsReader = transport.createReader({ topic: topics.revocations, readerId: instanceId, onHandlerError });
      readers = [keysReader, revocationsReader];
      Promise.all([keysReader.caughtUp, revocationsReader.caughtUp]).then(options.onCaughtUp, options.onNotCaughtUp);
      let keysLoaded = false;
      const keysSettled = keysReader.caughtUp.then(
        () => void (keysLoaded = true),
        () => undefined,
      );
      await keysReader.start((record) => options.handle('keys', record));
      await revocationsReader.start(async (record) => {
        if (!keysLoaded) await keysSettled;
        if (options.isClosed()) return;
        await options.handle('revocations', record);
      });
    },
    async stop() {
      const stopping = readers;
      readers = [];
      for (const reader of stopping) {
        try {
          await reader.stop();
        } catch (error) {
          logger.warn('revmesh sidecar: stopping a reader failed', { error: messageOf(error) });
        }
      }
    },
    lag: () => ({ keys: readers[0]?.lag(), revocations: readers[1]?.lag() }),
  };
}
