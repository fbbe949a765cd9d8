import type { TransportLogger } from '../logger';

/** Options of {@link createKafkaTransport}. */
export interface KafkaTransportOptions {
  /** Bootstrap brokers, `host:port`. Required, at least one. */
  readonly brokers: readonly string[];
  /** Client id sent to the broker (appears in broker logs and quotas). Default `revmesh`. */
  readonly clientId?: string;
  /** TCP connect timeout per broker, ms. Default 3000. */
  readonly connectionTimeoutMs?: number;
  /** Timeout of one request to the broker, ms. Default 10000. */
  readonly requestTimeoutMs?: number;
  /** Where kafkajs warnings and errors go. Default: JSON lines on stderr. */
  readonly logger?: TransportLogger;
  /**
   * Replicas of each topic this transport creates. Default: 3, or the number of brokers if the
   * cluster has fewer (so 1 on a single broker); `min.insync.replicas` follows (2 from 3 replicas
   * on, else 1). See `topicReplication`. Topics that exist already are left as they are.
   */
  readonly replicationFactor?: number;
}

const BROKER_PATTERN = /^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/;

/** Parses a comma-separated `KAFKA_BROKERS` value; throws a TypeError that says what is wrong. */
export function parseBrokerList(value: string): string[] {
  const brokers = value
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
  if (brokers.length === 0) {
    throw new TypeError('KAFKA_BROKERS is empty: give one or more host:port pairs separated by commas, e.g. 127.0.0.1:19092');
  }
  for (const broker of brokers) {
    if (!BROKER_PATTERN.test(broker)) {
      throw new TypeError(`KAFKA_BROKERS entry ${JSON.stringify(broker)} is not host:port (e.g. 127.0.0.1:19092)`);
    }
  }
  return brokers;
}

export function validateKafkaOptions(options: KafkaTransportOptions): void {
  if (!Array.isArray(options.brokers) || options.brokers.length === 0) {
    throw new TypeError('createKafkaTransport: `brokers` must list at least one host:port');
  }
  for (const broker of options.brokers) {
    if (typeof broker !== 'string' || !BROKER_PATTERN.test(broker)) {
      throw new TypeError(`createKafkaTransport: broker ${JSON.stringify(broker)} is not host:port`);
    }
  }
  const rf = options.replicationFactor;
  if (rf !== undefined && (!Number.isInteger(rf) || rf < 1)) {
    throw new TypeError(`createKafkaTransport: replicationFactor must be a positive integer, got ${String(rf)}`);
  }
}
