import type { TransportLogger } from '@revmesh/transport';
import type { SidecarLogger } from '../logging/logger';

/**
 * The logger of the Kafka client that only publishes heartbeats and acks. kafkajs logs every
 * failed retry at error; while the acks topic is unreachable that would be a dozen error lines a
 * second for something that does not affect enforcement. The reporter logs one warning per outage
 * itself, so kafkajs's own lines are kept at debug.
 */
export function reportingTransportLogger(logger: SidecarLogger): TransportLogger {
  return {
    warn: (message, fields) => logger.debug(message, fields),
    error: (message, fields) => logger.debug(message, fields),
  };
}
