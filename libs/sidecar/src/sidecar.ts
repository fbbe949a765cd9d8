import { createAcceptLog } from './reports/accept-log';
import { createBlockedAggregator } from './reports/blocked-aggregator';
import { createGuardedDenyList } from './deny-list/guarded-deny-list';
import { SidecarStartError } from './errors/sidecar-errors';
import { createKeySet } from './keys/key-set';
import { createKillSwitches } from './kill-switch/kill-switches';
import { createSidecarLifecycle } from './lifecycle/sidecar-lifecycle';
import { resolveSidecarOptions, SIDECAR_DEFAULTS } from './options/resolve-options';
import type { SidecarOptions } from './options/sidecar-options';
import { needsAck } from './reports/catch-up-acks';
import { createSidecarReporter } from './reports/sidecar-reporter';
import type { Sidecar } from './sidecar-api';
import { sidecarStats } from './sidecar-stats';
import { createSignerChain } from './signers/signer-chain';
import { createTrustedSigners } from './signers/trusted-signers';
import { createStalenessMonitor } from './staleness/staleness-monitor';
import { createEventIntake } from './sync/event-intake';
import { createKeySync } from './sync/key-sync';
import { createRevocationSync } from './sync/revocation-sync';
import { createSeenEventIds } from './sync/seen-event-ids';
import { createTopicReaders } from './sync/topic-readers';
import { createSidecarMetrics } from './telemetry/sidecar-metrics';
import { createSnapshotBootstrap } from './snapshots/snapshot-bootstrap';
import { createVerificationRecorder } from './telemetry/verification-recorder';
import { createSidecarTransports } from './transport/sidecar-transports';
import { createCachingTokenVerifier } from './verify/caching-token-verifier';
import { createDpopCheck } from './dpop/dpop-check';
import { createEnforcement } from './verify/enforcement';
import { createIssuerVerifiers } from './verify/issuer-verifiers';
import { createVerifiedTokenCache } from './verify/verified-token-cache';

export type { Sidecar, SidecarStats, StalenessStats, VerifyOptions } from './sidecar-api';

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Creates a sidecar. Validates `options` (a `TypeError` lists every problem, including a private
 * key among `eventSigners` or an issuer with no key source) and builds the key sources; opens no
 * connection until `start()`.
 *
 * This is the sidecar's composition root: the parts below are listed in the order they start
 * (state, telemetry, rules, verifiers, event sync, reporting, readers, the verify path), and
 * `close()` releases them in reverse.
 *
 * @example
 * const sidecar = createSidecar({
 *   issuer: 'https://auth.example.com',
 *   audience: 'orders-api',
 *   eventSigners: JSON.parse(process.env.REVMESH_EVENT_SIGNERS!),
 *   brokers: ['kafka-1:9092'],
 * });
 * await sidecar.start();
 * await sidecar.ready;
 * const result = await sidecar.verify(token);
 * if (!result.ok) reply401(result.code);
 */
export function createSidecar(options: SidecarOptions): Sidecar {
  const config = resolveSidecarOptions(options);
  const { clock, logger, instanceId, topics } = config;
  const audiences: readonly string[] = typeof config.audience === 'string' ? [config.audience] : config.audience;
  let startedAt = 0;

  // State and telemetry. The metric callbacks read parts created below, lazily (only an SDK's collection calls them).
  const lifecycle = createSidecarLifecycle();
  const isReady = (): boolean => lifecycle.isReady();
  const metrics = createSidecarMetrics({
    meterProvider: config.meterProvider,
    denyListSize: () => denyList.size,
    keySetVersion: () => keySync.version,
    keySetSizes: () => keySet.sizesByState(),
    stalenessAgeSeconds: () => staleness.silenceMs() / 1000,
    stalenessLimitSeconds: config.maxSilenceMs / 1000,
    consumerLag: () => readers.lag(),
  });
  const staleness = createStalenessMonitor({ clock, logger, metrics, maxSilenceMs: config.maxSilenceMs, policy: config.stalePolicy, isReady });

  // What verification reads: deny rules, the keys topic's key set and kill switches, one verifier per issuer
  // behind the verified-token cache, which every key or kill-switch change empties.
  const denyList = createGuardedDenyList({ maxEntries: config.denyListMaxEntries, maxTokenLifetimeSeconds: config.maxTokenLifetimeSeconds, clock, logger, metrics });
  const keySet = createKeySet();
  const killSwitches = createKillSwitches();
  const tokenCache = createVerifiedTokenCache({ ...config.tokenCache, clock });
  keySet.onChange(() => tokenCache.clear());
  killSwitches.onChange(() => tokenCache.clear());
  const issuerVerifiers = createIssuerVerifiers({
    issuers: config.issuers,
    keySet,
    clockToleranceSeconds: config.clockToleranceSeconds,
    maxTokenLifetimeSeconds: config.maxTokenLifetimeSeconds,
    maxTokenBytes: config.maxTokenBytes,
    pendingKeyGraceMs: config.pendingKeyGraceMs,
    clock,
    logger,
  });
  const tokens = createCachingTokenVerifier(issuerVerifiers, tokenCache);

  // What the topics write into it, once each record's signature is checked.
  const trustedSigners = createTrustedSigners(config.eventSigners);
  const revocations = createRevocationSync({ denyList, clock, logger, metrics, isReady, scopeOf: tokens.scopeOf });
  const keySync = createKeySync({ keySet, signerChain: createSignerChain(trustedSigners), killSwitches, clock, logger, metrics, isReady });

  // Broker connections, and what goes back to the authority (heartbeats, acks, blocked reports).
  const transports = createSidecarTransports(config.transport, instanceId, logger);
  const blocked = createBlockedAggregator({ instanceId, clock, maxEntries: SIDECAR_DEFAULTS.maxBlockedEntries, maxAddresses: SIDECAR_DEFAULTS.maxBlockedAddresses });
  const accepts = createAcceptLog({ maxEntries: SIDECAR_DEFAULTS.acceptLogMaxEntries, clock, scopeOf: tokens.scopeOf });
  const reporter = createSidecarReporter({
    createPublisher: () => transports.createReportPublisher(),
    topic: topics.acks,
    instanceId,
    audiences,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    flushIntervalMs: SIDECAR_DEFAULTS.ackFlushIntervalMs,
    batchSize: SIDECAR_DEFAULTS.ackBatchSize,
    maxBufferedAcks: SIDECAR_DEFAULTS.maxBufferedAcks,
    closeFlushTimeoutMs: SIDECAR_DEFAULTS.closeFlushTimeoutMs,
    status: () => {
      const { stale, policy, failOpenAccepted } = staleness.stats();
      return { ready: isReady(), keySetVersion: keySync.version, staleness: { stale, policy, failOpenAccepted } };
    },
    blockedReport: () => blocked.drain(keySync.version),
    clock,
    logger,
    metrics,
  });

  // The readers feed the intake, which checks, applies and acknowledges each record.
  const intake = createEventIntake({
    trust: trustedSigners,
    seen: createSeenEventIds(SIDECAR_DEFAULTS.rememberedEventIds),
    revocations,
    keys: keySync,
    logger,
    metrics,
    instanceId,
    clock,
    denyListSize: () => denyList.size,
    catchingUp: () => !isReady(),
    onApplied: (event, record, topic) => {
      staleness.heard(event.type, topic);
      if (event.type === 'authority.heartbeat' || !needsAck(isReady(), record.timestamp, startedAt)) return;
      // A revocation's ack says how many requests were accepted with what it denies since it was accepted.
      reporter.ack(event, event.type === 'revocation.issued' ? accepts.countAcceptedAfter(event.payload).count : undefined);
    },
  });
  // Cold start: the newest signed snapshot's rules in bulk, then only the revocations topic's tail.
  const snapshots = config.snapshots.enabled
    ? createSnapshotBootstrap({
        topics,
        instanceId,
        trust: trustedSigners.revocationTrust,
        denyList,
        scopeOf: tokens.scopeOf,
        timeoutMs: config.snapshots.timeoutMs,
        clock,
        logger,
        isClosed: () => lifecycle.state === 'closed',
      })
    : undefined;
  const readers = createTopicReaders({
    topics,
    instanceId,
    logger,
    ...(snapshots === undefined ? {} : { snapshots }),
    handle: (topic, record) => intake.handle(topic, record),
    prefetch: (topic, records) => intake.prefetch(topic, records),
    onRewound: (topic, partition, upToOffset) => intake.rewound(topic, partition, upToOffset),
    isClosed: () => lifecycle.state === 'closed',
    onCaughtUp: () => {
      if (!lifecycle.caughtUp()) return;
      logger.info('revmesh sidecar is ready: caught up with the keys and revocation topics', {
        topics: [topics.keys, topics.revocations],
        events_applied: revocations.counts().eventsApplied,
        deny_list_size: denyList.size,
        key_set_version: keySync.version,
        keys: keySet.keys().length,
        trusted_signers: trustedSigners.size,
      });
      reporter.heartbeat();
    },
    onNotCaughtUp: (error) => {
      const failure = new SidecarStartError('revmesh sidecar stopped reading the keys and revocation topics before catching up', { cause: error });
      if (lifecycle.fail(failure)) logger.error(failure.message, { error: messageOf(error) });
    },
  });

  // The verify path, and what each verification leaves behind.
  const dpop = createDpopCheck({ ...config.dpop, clock });
  const enforcement = createEnforcement({ lifecycle, tokens, denyList, killSwitches, staleness, audiences, logger, dpop });
  const recorder = createVerificationRecorder({ instanceId, metrics, blocked, accepts, staleness, traceRejectedVerifications: config.traceRejectedVerifications });

  /** Stops the readers, then reporting (last acks), then the transports the sidecar created. Safe to call twice. */
  const release = async (): Promise<void> => {
    await readers.stop();
    // After the readers: no event can be applied (and queue an ack) once reporting has flushed.
    await reporter.close();
    await transports.close();
  };

  const doStart = async (): Promise<void> => {
    try {
      const transport = transports.open();
      startedAt = clock();
      staleness.start(startedAt);
      reporter.start(startedAt);
      await readers.start(transport);
    } catch (error) {
      const failure = new SidecarStartError(`revmesh sidecar could not start reading its topics: ${messageOf(error)}`, { cause: error });
      if (lifecycle.state === 'starting' && lifecycle.fail(failure)) logger.error(failure.message, { topics: [topics.keys, topics.revocations] });
      // Nothing may stay open after a failed start, even if the caller never calls close().
      await release();
      throw failure;
    }
    lifecycle.readersStarted();
    if (lifecycle.state !== 'closed') logger.info('revmesh sidecar started reading the keys and revocation topics', { topics: [topics.keys, topics.revocations] });
  };

  let starting: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  const doClose = async (): Promise<void> => {
    lifecycle.close();
    // Let an in-flight start() finish first, or its consumer could connect after we stopped.
    await starting?.catch(() => undefined);
    await release();
    metrics.close();
    revocations.clearListeners();
    keySync.clearListeners();
  };

  const authorityIssuer = config.issuers.find((issuer) => issuer.authority);
  return {
    instanceId,
    ready: lifecycle.ready,
    start() {
      try {
        lifecycle.beginStart();
      } catch (error) {
        return Promise.reject(error);
      }
      starting = doStart();
      return starting;
    },
    close() {
      closing ??= doClose();
      return closing;
    },
    async verify(token, verifyOptions) {
      const startTime = recorder.startTime();
      const enforced = await enforcement.decide(token, verifyOptions?.stalePolicy, verifyOptions?.presentation);
      recorder.record(enforced, verifyOptions?.context, startTime);
      return enforced.result;
    },
    isStale: () => staleness.isStale(),
    lockdown: () => (lifecycle.isReady() ? enforcement.lockdown() : undefined),
    appliedRevocation: (revocationId) => revocations.appliedRevocation(revocationId),
    onRevocationApplied: (listener) => {
      if (typeof listener !== 'function') throw new TypeError('sidecar.onRevocationApplied(listener): listener must be a function');
      return revocations.onApplied(listener);
    },
    onKeyEvent: (listener) => {
      if (typeof listener !== 'function') throw new TypeError('sidecar.onKeyEvent(listener): listener must be a function');
      return keySync.onKeyEvent(listener);
    },
    stats: () =>
      sidecarStats({
        instanceId,
        topics,
        keySource: authorityIssuer?.keys.kind ?? 'kafka',
        lifecycle,
        revocations,
        intake,
        keySync,
        keySet,
        killSwitches,
        trustedSigners,
        reporter,
        denyList,
        recorder,
        staleness,
        tokenCache,
        snapshots,
      }),
  };
}
