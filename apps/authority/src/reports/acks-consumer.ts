import type { INestApplication, LoggerService } from '@nestjs/common';
import { ServerKafka } from '@nestjs/microservices';
import type { Consumer, LogEntry, logCreator } from '@nestjs/microservices/external/kafka.interface';
import type { AuthorityLogger, SidecarReportSink } from '@revmesh/authority-core';
import type { TopicSpec } from '@revmesh/contracts';
import { coreLogger } from '../logging/core-logger';
import { createBackgroundListener, type BackgroundListener, type ListenerState } from './background-listener';

/** What /healthz shows about the acks consumer. */
export interface AcksConsumerStatus {
  /** `disabled` when the app runs without it (tests with an in-memory transport). */
  state(): ListenerState | 'disabled';
}

export interface AcksConsumerOptions {
  readonly app: INestApplication;
  readonly sink: SidecarReportSink;
  readonly brokers: readonly string[];
  /** The acks topic (created by the outbox relay). */
  readonly topic: TopicSpec;
  /** `<prefix>authority`: every authority replica shares the acks (one group). */
  readonly groupId: string;
  readonly logger: LoggerService;
}

/** kafkajs log levels (its enum is declared ambient in Nest's types, so not importable as a value). */
const KAFKAJS_ERROR = 1;
const KAFKAJS_WARN = 2;

/**
 * Reads sidecar reports from the acks topic with @nestjs/microservices' Kafka transport.
 *
 * The topic name depends on REVMESH_TOPIC_PREFIX, so a decorator with a static pattern cannot
 * name it: the handler is registered on a `ServerKafka` strategy with `addHandler(topic, …, true)`
 * (an event handler: no reply) and the strategy is attached with `app.connectMicroservice`.
 * Values stay binary (`keepBinary`) and go to authority-core's {@link SidecarReportSink}, which
 * decodes and validates them; the handler never throws, so a bad record never stalls the group.
 *
 * `ServerKafka.listen` fails when the broker is down (and `startAllMicroservices` would reject
 * with it), so the connection is kept by a {@link BackgroundListener}: the authority starts
 * without Kafka and the consumer connects when the broker comes back.
 */
export class AcksConsumer implements AcksConsumerStatus {
  private readonly server: ServerKafka;
  private readonly listener: BackgroundListener;
  private readonly log: AuthorityLogger;

  constructor(private readonly options: AcksConsumerOptions) {
    this.log = coreLogger(options.logger, 'AcksConsumer');
    this.server = new ServerKafka({
      // No '-server' suffix: the group is exactly `<prefix>authority`.
      postfixId: '',
      client: {
        clientId: options.groupId,
        brokers: [...options.brokers],
        connectionTimeout: 3000,
        retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
        logCreator: this.kafkaLogs(),
      },
      // A short session: after an authority crash, its successor gets the partitions (and sees
      // acks again) within ~10 s instead of kafkajs's default 30 s, which would outlast the gate.
      consumer: { groupId: options.groupId, allowAutoTopicCreation: false, sessionTimeout: 10_000, heartbeatInterval: 1000 },
      // A new group reads the last hour of reports: heartbeats are idempotent and acks of events
      // published before this authority joined still count for coverage.
      subscribe: { fromBeginning: true },
      parser: { keepBinary: true },
    });
    this.server.addHandler(options.topic.topic, (value: unknown) => this.handle(value), true);
    const microservice = options.app.connectMicroservice({ strategy: this.server });
    this.listener = createBackgroundListener({
      name: 'acks consumer',
      logger: this.log,
      // The microservice's own listen (what startAllMicroservices() calls), one attempt. The
      // topic is created by the outbox relay at its start; until it exists, subscribing fails
      // and the attempt is retried like any other (creating it here too would race the relay).
      listen: () => microservice.listen(),
      close: () => this.server.close(),
      onConnected: () => this.watchForCrashes(),
    });
  }

  /** Starts connecting in the background; never throws, never waits for the broker. */
  start(): void {
    this.listener.start();
  }

  /** Stops consuming (bounded wait for an attempt in flight). */
  stop(): Promise<void> {
    return this.listener.stop();
  }

  state(): ListenerState {
    return this.listener.state();
  }

  private async handle(value: unknown): Promise<void> {
    // Tombstones and anything not bytes are invalid reports: counted by the sink, never thrown.
    this.options.sink.recordRaw(Buffer.isBuffer(value) || typeof value === 'string' ? value : null);
  }

  /** kafkajs restarts a consumer after a retriable crash by itself; after any other, reconnect. */
  private watchForCrashes(): void {
    const [, consumer] = this.server.unwrap<[unknown, Consumer, unknown]>();
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) this.listener.reconnect(`consumer crashed: ${event.payload.error.message}`);
    });
  }

  /**
   * kafkajs's own log lines, through the app logger. While (re)connecting, its per-attempt
   * connection errors are debug noise: the listener logs the outage once, with the retry plan.
   */
  private kafkaLogs(): logCreator {
    return () =>
      ({ level, label, log }: LogEntry) => {
        const line = `kafkajs ${label}: ${log.message}`;
        if (this.listener?.state() !== 'connected') this.log.debug(line);
        else if (level === KAFKAJS_ERROR) this.log.error(line);
        else if (level === KAFKAJS_WARN) this.log.warn(line);
      };
  }
}
