import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { TopicSpec } from '@revmesh/contracts';
import type { EventTransport, TopicInspector, TopicState } from '../transport';
import { stderrTransportLogger } from '../logger';
import { isUnknownTopicError, toTransportError } from './kafka-errors';
import { kafkaLogCreator } from './kafka-log-creator';
import { validateKafkaOptions, type KafkaTransportOptions } from './kafka-options';
import { createKafkaPublisher } from './kafka-publisher';
import { createKafkaReader } from './kafka-reader';
import { topicReplication } from './topic-replication';

/**
 * The {@link EventTransport} over Apache Kafka, with kafkajs. The only file set that knows kafkajs.
 *
 * @example
 * const transport = createKafkaTransport({ brokers: ['127.0.0.1:19092'] });
 * await transport.ensureTopics([revocationTopicSpec(topicNames().revocations)]);
 */
const ENSURE_TOPICS_ATTEMPTS = 5;

/** The Kafka transport also answers what the broker holds of a topic. */
export type KafkaTransport = EventTransport & TopicInspector;

export function createKafkaTransport(options: KafkaTransportOptions): KafkaTransport {
  validateKafkaOptions(options);
  const logger = options.logger ?? stderrTransportLogger;
  const kafka = new Kafka({
    clientId: options.clientId ?? 'revmesh',
    brokers: [...options.brokers],
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: options.requestTimeoutMs ?? 10000,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(logger),
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
  });

  let admin: Admin | undefined;
  let adminConnecting: Promise<Admin> | undefined;
  const connectedAdmin = (): Promise<Admin> => {
    if (admin) return Promise.resolve(admin);
    adminConnecting ??= (async () => {
      const a = kafka.admin();
      try {
        await a.connect();
      } catch (error) {
        adminConnecting = undefined;
        throw toTransportError('connect admin', error);
      }
      admin = a;
      return a;
    })();
    return adminConnecting;
  };

  /**
   * kafkajs' admin keeps refreshing metadata for every topic it ever looked at, so once one of
   * them is deleted each of its calls fails with UNKNOWN_TOPIC_OR_PARTITION, for good, and a
   * deleted topic could never be recreated through it. Such a failure drops the admin; the next
   * call connects a fresh one.
   */
  const withAdmin = async <T>(use: (a: Admin) => Promise<T>): Promise<T> => {
    const a = await connectedAdmin();
    try {
      return await use(a);
    } catch (error) {
      if (isUnknownTopicError(error) && admin === a) {
        admin = undefined;
        adminConnecting = undefined;
        await a.disconnect().catch(() => undefined);
      }
      throw error;
    }
  };

  const describeOnce = (topics: readonly string[]): Promise<TopicState[]> =>
    withAdmin(async (a) => {
      const existing = new Set(await a.listTopics());
      const states: TopicState[] = [];
      for (const topic of topics) {
        if (!existing.has(topic)) {
          states.push({ topic, exists: false, partitions: [] });
          continue;
        }
        const offsets = await a.fetchTopicOffsets(topic);
        states.push({ topic, exists: true, partitions: offsets.map(({ partition, high }) => ({ partition, high })).sort((x, y) => x.partition - y.partition) });
      }
      return states;
    });

  const ensureTopicsOnce = (specs: readonly TopicSpec[]): Promise<void> => withAdmin((a) => createMissing(a, specs));
  const createMissing = async (a: Admin, specs: readonly TopicSpec[]): Promise<void> => {
    const existing = new Set(await a.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length === 0) return;
    // Sized to the cluster met at creation time (3 replicas, min.insync.replicas 2 on a cluster;
    // 1 on a single broker); a spec's own min.insync.replicas wins.
    const { brokers } = await a.describeCluster();
    const replication = topicReplication(brokers.length, options.replicationFactor);
    try {
      await a.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({
          topic: s.topic,
          numPartitions: s.numPartitions,
          replicationFactor: replication.replicationFactor,
          configEntries: Object.entries({ 'min.insync.replicas': String(replication.minInsyncReplicas), ...s.configEntries }).map(([name, value]) => ({ name, value })),
        })),
      });
    } catch (error) {
      // Another authority replica (or an earlier attempt) may have created it meanwhile.
      if (error instanceof Error && /already exists/i.test(error.message)) return;
      throw error;
    }
  };

  return {
    async ensureTopics(specs: readonly TopicSpec[]) {
      // A freshly started broker (or one electing leaders) briefly answers topic metadata with
      // retriable errors; a few quick retries here spare every caller its own loop.
      for (let attempt = 1; ; attempt++) {
        try {
          await ensureTopicsOnce(specs);
          return;
        } catch (error) {
          const failure = toTransportError(`create topics ${specs.map((s) => s.topic).join(', ')}`, error);
          if (!failure.retriable || attempt >= ENSURE_TOPICS_ATTEMPTS) throw failure;
          await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 100 * 2 ** attempt)));
        }
      }
    },
    async describeTopics(topics) {
      // One retry: the first failure of a stale admin (a topic deleted since) replaces it.
      for (let attempt = 1; ; attempt++) {
        try {
          return await describeOnce(topics);
        } catch (error) {
          if (attempt >= 2 || !isUnknownTopicError(error)) throw toTransportError(`describe topics ${topics.join(', ')}`, error);
        }
      }
    },
    createPublisher: (publisherOptions) => createKafkaPublisher(kafka, publisherOptions),
    createReader: (readerOptions) => createKafkaReader(kafka, (use) => withAdmin(use), logger, readerOptions),
    async close() {
      const a = admin;
      admin = undefined;
      adminConnecting = undefined;
      await a?.disconnect().catch(() => undefined);
    },
  };
}
