import 'reflect-metadata';
import formbody from '@fastify/formbody';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  leaderPublisher,
  MAX_SET_BYTES,
  openAuthorityCore,
  relayTransactionalId,
  SET_MEDIA_TYPE,
  type AuthorityCore,
  type AuthorityHeartbeat,
  type TopicGuard,
  type Clock,
  type LeaderTask,
  type OutboxRelay,
  type PasswordHashCost,
  type Sleep,
} from '@revmesh/authority-core';
import { createKafkaTransport, type EventTransport, type TopicInspector } from '@revmesh/transport';
import { systemAuditContext } from '@revmesh/authority-core';
import { AppModule } from './app.module';
import type { AuthorityConfig } from './config/config';
import { coreLogger } from './logging/core-logger';
import { JsonLogger } from './logging/json-logger';
import { nestLogLevels } from './logging/log-levels';
import { AcksConsumer, type AcksConsumerStatus } from './reports/acks-consumer';
import { applyConnectionLimit, fastifyServerLimits } from './http/http-server-limits';
import { MAX_BATCH_BODY_BYTES, REVOCATION_BATCH_ROUTE } from './revocations/revocation-batch.schema';

/** Largest request body accepted, bytes; bigger bodies get 413. The largest real body is ~2 KiB (the revocation batch route has its own limit). */
export const MAX_BODY_BYTES = 16 * 1024;

/** Longest wait for the topic guard's first look before the relay starts, ms. */
const FIRST_TOPIC_CHECK_WAIT_MS = 5000;

/** Scopes of the demo client seeded in demo mode. */
export const DEMO_CLIENT_SCOPES: readonly string[] = ['demo'];

export interface BootstrapOptions {
  /** Default: kafkajs transport on `config.kafkaBrokers`. Tests pass an in-memory fake. */
  readonly transport?: EventTransport;
  /** Default true. False initialises the app for `app.inject()` without opening a port. */
  readonly listen?: boolean;
  /** Default: a console logger at `config.logLevel`. */
  readonly logger?: LoggerService;
  readonly clock?: Clock;
  readonly sleep?: Sleep;
  /** argon2id cost of operator passwords. Tests lower it; never set it in production. */
  readonly passwordHashCost?: PasswordHashCost;
  /**
   * Consume sidecar reports from the acks topic (NestJS Kafka microservice on
   * `config.kafkaBrokers`). Default: true, unless `transport` is given: an in-memory transport
   * has no broker behind it, and tests feed `core.reports` directly.
   */
  readonly acksConsumer?: boolean;
  /**
   * Serves `GET /metrics` (public) in the Prometheus text format: `@revmesh/telemetry`'s
   * `metricsHandler`, given the raw request and response. Without it there is no /metrics route.
   */
  readonly metricsHandler?: (request: IncomingMessage, response: ServerResponse) => void;
  /** Publish the signed authority heartbeat. Default: true, unless `transport` is given. */
  readonly heartbeat?: boolean;
}

/** A started authority. */
export interface RunningAuthority {
  readonly app: NestFastifyApplication;
  readonly core: AuthorityCore;
  /** The relay of the current leadership term (state `idle` while this replica follows). */
  readonly relay: OutboxRelay;
  /** The acks-topic consumer, when enabled (it runs while this replica leads). */
  readonly acks: AcksConsumer | undefined;
  /** The signed authority heartbeat, when enabled. */
  readonly heartbeat: AuthorityHeartbeat | undefined;
  /** `http://host:port` once listening (the real port when PORT=0); undefined with `listen: false`. */
  readonly url: string | undefined;
  /**
   * Stops the leader's singletons (the relay after its batch in flight) and releases the lease,
   * then the HTTP server, the transport and the database. Idempotent.
   */
  close(): Promise<void>;
}

function isTopicInspector(transport: EventTransport): transport is EventTransport & TopicInspector {
  return typeof (transport as Partial<TopicInspector>).describeTopics === 'function';
}

function listeningUrl(app: NestFastifyApplication, host: string): string {
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Opens the store and keys, seeds the demo client, builds the Nest app on Fastify, listens,
 * and hands the singletons (outbox relay, acks consumer, key scheduler, ...) to the leadership:
 * they run while this replica holds the leader lease (on SQLite: at once). The relay and the
 * consumer retry the broker in the background, so the API is up and accepting revocations (and
 * key operations) even while Kafka is down.
 *
 * @throws {KeyUnwrapError} when `config.kek` does not open the stored signing key.
 * @throws {StoreError} / {MigrationError} when the database cannot be opened.
 * @throws {PolicyInvalidError} when REVMESH_POLICY_FILE is invalid (naming the file and each field).
 */
export async function bootstrapAuthority(config: AuthorityConfig, options: BootstrapOptions = {}): Promise<RunningAuthority> {
  const logger =
    options.logger ??
    // JSON lines with trace ids and redaction (docs: logs never carry a token or key material).
    new JsonLogger('revmesh-authority', nestLogLevels(config.logLevel));
  const core = await openAuthorityCore({
    dataDir: config.dataDir,
    ...(config.database === undefined ? {} : { database: config.database }),
    kek: config.kek,
    issuer: config.issuer,
    accessTokenTtlSeconds: config.accessTokenTtlSeconds,
    topicPrefix: config.topicPrefix,
    ...(config.lease === undefined ? {} : { lease: config.lease }),
    rotation: {
      rotationPeriodMs: config.rotation.periodSeconds * 1000,
      prepublishLeadMs: config.rotation.prepublishLeadSeconds * 1000,
      promotionGateTimeoutMs: config.rotation.promotionGateTimeoutMs,
      checkIntervalMs: config.rotation.checkIntervalMs,
      eventSignerOverlapMs: config.rotation.eventSignerOverlapSeconds * 1000,
    },
    eventSignerReset: config.eventSignerReset,
    ...(config.ssfTransmitter === undefined
      ? {}
      : { ssfTransmitter: { allowInsecurePushUrls: config.ssfTransmitter.allowInsecurePushUrls, backoff: { maxMs: config.ssfTransmitter.pushBackoffMaxMs } } }),
    ...(config.policyFile === undefined ? {} : { policyFile: config.policyFile }),
    ...(config.comms === undefined
      ? {}
      : { comms: { backoff: { initialMs: config.comms.retryInitialMs, maxMs: config.comms.retryMaxMs }, maxAttempts: config.comms.maxAttempts } }),
    ...(config.anomalies === undefined ? {} : { anomalyThresholds: config.anomalies }),
    ...(config.storeRetention === undefined
      ? {}
      : (({ intervalMs, ...periods }) => ({ storeRetention: periods, storeRetentionIntervalMs: intervalMs }))(config.storeRetention)),
    logger: coreLogger(logger, 'AuthorityCore'),
    ...(config.ssfReceiverPollMs === undefined ? {} : { ssfReceiver: { pollIntervalMs: config.ssfReceiverPollMs } }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
    ...(options.passwordHashCost === undefined ? {} : { passwordHashCost: options.passwordHashCost }),
  });

  let transport: EventTransport | undefined;
  let app: NestFastifyApplication | undefined;
  try {
    if (config.demo !== undefined) {
      core.clients.ensure({
        clientId: config.demo.clientId,
        clientSecret: config.demo.clientSecret,
        audiences: [config.demo.audience],
        scopes: DEMO_CLIENT_SCOPES,
      });
      logger.log(`demo mode: client ${config.demo.clientId} seeded for audience ${config.demo.audience}`, 'Bootstrap');
    }
    const hasAdmin = core.operators.list().some((o) => o.role === 'security-admin');
    const bootstrapped = core.operators.list().filter((o) => o.createdBy === 'bootstrap').length;
    if (!hasAdmin && config.bootstrapToken === undefined) {
      logger.warn('no security-admin exists and REVMESH_BOOTSTRAP_TOKEN is unset: nobody can log in; set it and run `revmesh admin bootstrap`', 'Bootstrap');
    } else if (bootstrapped >= core.securityPolicy.current().operators.bootstrapAdmins && config.bootstrapToken !== undefined) {
      logger.warn('REVMESH_BOOTSTRAP_TOKEN is set although the initial security-admins exist: bootstrap is refused anyway; unset it', 'Bootstrap');
    } else if (hasAdmin && config.bootstrapToken !== undefined) {
      logger.warn('REVMESH_BOOTSTRAP_TOKEN is set: it can still create initial security-admins (operators.bootstrapAdmins); unset it once they enrolled', 'Bootstrap');
    }

    transport =
      options.transport ??
      createKafkaTransport({
        brokers: config.kafkaBrokers,
        clientId: 'revmesh-authority',
        ...(config.kafkaReplicationFactor === undefined ? {} : { replicationFactor: config.kafkaReplicationFactor }),
        logger: coreLogger(logger, 'Kafka'),
      });
    // Everything the leader publishes: refused before it leaves the process once this replica's
    // lease lapsed, stamped with the lease epoch, and (replicas) one Kafka transaction per batch
    // under a transactional id every replica shares, so a new leader's first transaction fences
    // the old one's producer at the broker. SQLite has one writer: nothing to fence there.
    const transactional = config.relayTransactions === 'on' || (config.relayTransactions !== 'off' && !core.leadership.exclusive);
    const publisher = leaderPublisher(
      transport.createPublisher({ ...(transactional ? { transactionalId: relayTransactionalId(config.topicPrefix) } : {}), fence: () => void core.leadership.fence() }),
      core.leadership,
    );
    const usedTransport = transport;
    const relays = leaderRelay(() =>
      core.createRelay({ transport: usedTransport, publisher, pollIntervalMs: config.outboxPollMs, logger: coreLogger(logger, 'OutboxRelay') }),
    );

    // Only a transport that can look at the broker gets a guard (an in-memory fake has nothing to lose).
    const inspector = isTopicInspector(transport) ? transport : undefined;
    // Signed snapshots need offsets from the broker, so only a transport that can look at it publishes them.
    const snapshots =
      inspector === undefined
        ? undefined
        : core.createSnapshotPublisher({
            inspector,
            publisher,
            ensureTopics: (specs) => transport!.ensureTopics(specs),
            ...(config.snapshotIntervalMs === undefined ? {} : { intervalMs: config.snapshotIntervalMs }),
            logger: coreLogger(logger, 'SnapshotPublisher'),
          });
    const topicGuard: TopicGuard | undefined =
      inspector === undefined
        ? undefined
        : core.createTopicGuard({
            inspector,
            ensureTopics: (specs) => transport!.ensureTopics(specs),
            // A snapshot naming offsets of the recreated topic, so starting sidecars need not replay it all.
            afterRecovery: () =>
              void snapshots?.publishNow(systemAuditContext('topic-guard', 'snapshot after a topic recovery')).catch((error: unknown) =>
                logger.warn(`snapshot after a topic recovery failed: ${error instanceof Error ? error.message : String(error)}`, 'SnapshotPublisher'),
              ),
            ...(config.topicCheckMs === undefined ? {} : { intervalMs: config.topicCheckMs }),
            logger: coreLogger(logger, 'TopicGuard'),
          });

    // The consumer needs the app (it is a Nest microservice) and /healthz needs its state: the
    // module gets this handle, the consumer is attached once the app exists.
    let acks: AcksConsumer | undefined;
    const acksStatus: AcksConsumerStatus = { state: () => acks?.state() ?? 'disabled' };
    const adapter = new FastifyAdapter({
      bodyLimit: MAX_BODY_BYTES,
      logger: false,
      ...fastifyServerLimits(config.http),
      // request.ip is the client behind a trusted reverse proxy (throttling, audit), never a spoofed X-Forwarded-For.
      ...(config.trustedProxies === undefined ? {} : { trustProxy: [...config.trustedProxies] }),
    });
    app = await NestFactory.create<NestFastifyApplication>(AppModule.register({ core, relay: relays.relay, config, acks: acksStatus, ...(topicGuard === undefined ? {} : { topicHealth: topicGuard }), ...(snapshots === undefined ? {} : { snapshots }) }), adapter, {
      // Fastify's own JSON parser plus @fastify/formbody below, instead of Nest's: one parser
      // per type, with the body limit applied to both.
      bodyParser: false,
      logger,
      abortOnError: false,
    });
    await app.register(formbody, { bodyLimit: MAX_BODY_BYTES });
    // The batch route alone takes large bodies (10,000 targets); routes are added at init, after this hook.
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRoute', (route) => {
        if (route.url === REVOCATION_BATCH_ROUTE) route.bodyLimit = MAX_BATCH_BODY_BYTES;
      });
    // Only JSON and forms: a text/plain body is refused with 415 instead of reaching validation as a string.
    app.getHttpAdapter().getInstance().removeContentTypeParser('text/plain');
    // SETs pushed by SSF transmitters (RFC 8935): the compact JWS as a string, checked by the receiver.
    app
      .getHttpAdapter()
      .getInstance()
      .addContentTypeParser(SET_MEDIA_TYPE, { parseAs: 'string', bodyLimit: MAX_SET_BYTES }, (_request, body, done) => done(null, body));
    const metricsHandler = options.metricsHandler;
    if (metricsHandler !== undefined) {
      // A raw Fastify route: public (outside Nest's guard), and the exporter writes the response itself.
      app
        .getHttpAdapter()
        .getInstance()
        .get('/metrics', (request, reply) => {
          reply.hijack();
          metricsHandler(request.raw, reply.raw);
        });
    }
    if (options.acksConsumer ?? options.transport === undefined) {
      acks = new AcksConsumer({
        app,
        sink: core.reports,
        brokers: config.kafkaBrokers,
        topic: core.topics.acks,
        groupId: `${config.topicPrefix}authority`,
        logger,
      });
    }
    await app.init();

    let url: string | undefined;
    if (options.listen !== false) {
      applyConnectionLimit(app.getHttpServer(), config.http);
      await app.listen({ port: config.port, host: config.host });
      url = listeningUrl(app, config.host);
    }
    // Shares the relay's publisher (connected by the relay); beats before that just fail and retry.
    const heartbeat =
      (options.heartbeat ?? options.transport === undefined)
        ? core.createHeartbeat({
            publisher,
            ...(config.heartbeatMs === undefined ? {} : { intervalMs: config.heartbeatMs }),
            logger: coreLogger(logger, 'AuthorityHeartbeat'),
          })
        : undefined;
    // The leader's singletons, in start order (stopped in reverse when it loses the lease). Every
    // replica serves the API and accepts revocations into the outbox; only the leader publishes.
    const { leadership } = core;
    if (topicGuard !== undefined) {
      // The guard's first look comes before the relay's first publish (bounded: a broker that does
      // not answer must not hold the API back; the relay and the guard retry on their own).
      leadership.whileLeader({
        name: 'topic guard',
        start: () => Promise.race([topicGuard.start(), new Promise<void>((resolve) => setTimeout(resolve, FIRST_TOPIC_CHECK_WAIT_MS).unref())]),
        stop: () => topicGuard.stop(),
      });
    }
    leadership.whileLeader(relays.task);
    if (snapshots !== undefined) leadership.whileLeader({ name: 'snapshot publisher', start: () => snapshots.start(), stop: () => snapshots.stop() });
    const consumer = acks;
    if (consumer !== undefined) leadership.whileLeader({ name: 'acks consumer', start: () => consumer.start(), stop: () => consumer.stop() });
    leadership.whileLeader({ name: 'key scheduler', start: () => core.scheduler.start(), stop: () => core.scheduler.pause() });
    leadership.whileLeader({ name: 'SSF receiver pollers', start: () => core.ssfReceiver.start(), stop: () => core.ssfReceiver.stop() });
    if (heartbeat !== undefined) leadership.whileLeader({ name: 'heartbeat', start: () => heartbeat.start(), stop: () => heartbeat.stop() });
    // The core took the lease before these were registered: on a leader (at once on SQLite) their
    // starts are queued. Awaited here so the relay publishes the signing keys before this returns
    // and the process says it is listening; sidecars that start then find the keys on the topic.
    await leadership.start();

    const started = app;
    let closing: Promise<void> | undefined;
    return {
      app: started,
      core,
      relay: relays.relay,
      acks: consumer,
      heartbeat,
      url,
      close: () =>
        (closing ??= (async () => {
          // Every singleton stops (the relay after its batch in flight), then the lease is released
          // so another replica takes over at once.
          await leadership.stop();
          await core.scheduler.stop();
          // Pushes in flight end and long polls answer before the server and the store close.
          await core.ssfTransmitter.stop();
          await consumer?.stop();
          await started.close();
          await usedTransport.close();
          core.close();
        })()),
    };
  } catch (error) {
    await core.leadership.stop();
    await core.scheduler.stop();
    await core.ssfReceiver.stop();
    await app?.close().catch(() => undefined);
    await transport?.close().catch(() => undefined);
    core.close();
    throw error;
  }
}

/**
 * The outbox relay of each leadership term: a new relay (bound to the term's lease epoch) every
 * time this replica gains the lease, stopped when it loses it. `relay` shows the current one's
 * state (`idle` on a follower).
 */
function leaderRelay(create: () => OutboxRelay): { readonly relay: OutboxRelay; readonly task: LeaderTask } {
  let current: OutboxRelay | undefined;
  return {
    relay: {
      start: () => undefined,
      wake: () => current?.wake(),
      stop: async () => current?.stop(),
      status: () => current?.status() ?? { state: 'idle', published: 0, consecutiveFailures: 0 },
    },
    task: {
      name: 'outbox relay',
      start: () => {
        current = create();
        current.start();
      },
      stop: async () => {
        await current?.stop();
      },
    },
  };
}
