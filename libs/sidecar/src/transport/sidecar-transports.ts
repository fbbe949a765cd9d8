import { createKafkaTransport, type EventTransport, type RecordPublisher } from '@revmesh/transport';
import type { SidecarLogger } from '../logging/logger';
import type { ResolvedTransport } from '../options/resolve-options';
import { reportingTransportLogger } from '../reports/reporting-transport-logger';

/**
 * The broker connections of one sidecar: the caller's transport, or (with `brokers`) two Kafka
 * clients of its own, one for reading and one for reporting, whose retry noise stays at debug
 * (see reportingTransportLogger). Nothing connects before {@link SidecarTransports.open}.
 */
export interface SidecarTransports {
  /** Creates the transports (no-op for a provided one) and returns the reading one. */
  open(): EventTransport;
  /** A publisher for heartbeats and acks, on the reporting client if there is one. Throws before `open()`. */
  createReportPublisher(): RecordPublisher;
  /** Closes the transports the sidecar created (never a provided one). Idempotent; logs, never throws. */
  close(): Promise<void>;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export function createSidecarTransports(config: ResolvedTransport, instanceId: string, logger: SidecarLogger): SidecarTransports {
  let transport: EventTransport | undefined;
  let reportsTransport: EventTransport | undefined;
  let closed = false;
  return {
    open() {
      if (config.kind === 'provided') {
        transport = config.transport;
        return transport;
      }
      transport = createKafkaTransport({ brokers: config.brokers, clientId: `revmesh-sidecar-${instanceId}`, logger });
      reportsTransport = createKafkaTransport({
        brokers: config.brokers,
        clientId: `revmesh-sidecar-${instanceId}-reports`,
        logger: reportingTransportLogger(logger),
      });
      return transport;
    },
    createReportPublisher() {
      const owner = reportsTransport ?? transport;
      if (!owner) throw new Error('revmesh sidecar: reporting started before the transport exists');
      return owner.createPublisher();
    },
    async close() {
      if (config.kind !== 'brokers' || closed) return;
      closed = true;
      for (const owned of [reportsTransport, transport]) {
        try {
          await owned?.close();
        } catch (error) {
          logger.warn('revmesh sidecar: closing the Kafka transport failed', { error: messageOf(error) });
        }
      }
    },
  };
}
