import type { RevmeshEvent, TopicNames } from '@revmesh/contracts';
import { createKafkaTransport, type EventTransport, type IncomingRecord, type TopicReader } from '@revmesh/transport';
import { createDenyList } from './deny-list/deny-list';
import { SidecarClosedError, SidecarStartError } from './errors/sidecar-errors';
import { createDeferred } from './internal/deferred';
import type { EpochMillis } from './internal/units';
import { createKeySet, type KeySetSnapshot } from './keys/key-set';
import { createKeySource } from './keys/key-source';
import { createKillSwitches, type KillSwitchSnapshot } from './kill-switch/kill-switches';
import { assertTransition, type SidecarState } from './lifecycle/sidecar-state';
import { resolveSidecarOptions, SIDECAR_DEFAULTS } from './options/resolve-options';
import type { SidecarOptions } from './options/sidecar-options';
import { reportingTransportLogger } from './reports/reporting-transport-logger';
import { createSidecarReporter, type ReportStats } from './reports/sidecar-reporter';
import { createSignerChain } from './signers/signer-chain';
import { createTrustedSigners, type TrustedSignerInfo } from './signers/trusted-signers';
import type { AppliedRevocation } from './sync/applied-revocations';
import { createEventIntake } from './sync/event-intake';
import type { SidecarEventRejectionReason } from './sync/event-rejection';
import { createKeySync, type KeyEventListener } from './sync/key-sync';
import { createRevocationSync, type RevocationAppliedListener } from './sync/revocation-sync';
import { createSeenEventIds } from './sync/seen-event-ids';
import { createSidecarMetrics } from './telemetry/sidecar-metrics';
import { createTokenVerifier } from './verify/token-verifier';
import { verifyFailure, type KillSwitchFailure, type KillSwitchScope, type VerifyResult } from './verify/verify-result';
import type { StalePolicy } from './options/sidecar-options';
import { createBlockedAggregator, type VerifyContext } from './reports/blocked-aggregator';
import { recordFinishedSpan } from './telemetry/tracing';
import { ATTR_SPAN_INSTANCE_ID, ATTR_SPAN_JTI, ATTR_SPAN_KID, ATTR_SPAN_REVOCATION_ID, ATTR_SPAN_VERIFY_RESULT, SPAN_TOKEN_VERIFY } from './telemetry/names';

/** Per-call options of {@link Sidecar.verify}. */
export interface VerifyOptions {
  /** Overrides the sidecar's `staleness.policy` for this call (one route). `'fail-open-UNSAFE'` weakens security. */
  readonly stalePolicy?: StalePolicy;
  /** Where the request came from (the adapters pass the client address); used for blocked reports only. */
  readonly context?: VerifyContext;
}

/** How fresh the sidecar's view of the authority is (`stats().staleness`). */
export interface StalenessStats {
  /** When the sidecar last applied a signed record from the authority (event or heartbeat), epoch ms; start time before the first; 0 before start. */
  readonly lastHeardAt: EpochMillis;
  /** ms since then (0 before start). */
  readonly ageMs: number;
  readonly maxSilenceMs: number;
  /** True past the bound (only once ready). */
  readonly stale: boolean;
  /** The default policy while stale. */
  readonly policy: StalePolicy;
  /** Tokens accepted by fail-open routes while stale, since creation. */
  readonly failOpenAccepted: number;
}

const NOT_READY_MESSAGES: Readonly<Record<SidecarState, string>> = {
  created: 'the sidecar has not been started (call sidecar.start())',
  starting: 'the sidecar has not caught up with the keys and revocation topics yet',
  'catching-up': 'the sidecar has not caught up with the keys and revocation topics yet',
  ready: '',
  failed: 'the sidecar could not read the keys and revocation topics (see its start error)',
  closed: 'the sidecar is closed',
};

/**
 * Events applied while catching up are not acked one by one: the authority counts them covered by
 * the heartbeat's `ready` + `started_at` when `started_at` ≥ their `published_at`. An event
 * published after the start is delivered during catch-up too, but no such rule covers it, so it is
 * acked: any catch-up record whose timestamp (the relay's publish time, the authority's clock, as
 * `published_at`) is at most this long before `started_at`. The margin absorbs the gap between the
 * record timestamp and the `published_at` the authority stores; acking a few events twice over
 * (ack and covered) is harmless, leaving one "pending" for good is not.
 */
const CATCH_UP_ACK_MARGIN_MS = 10_000;

/** A snapshot of what the sidecar has done; plain JSON, safe to serve on a debug endpoint. */
export interface SidecarStats {
  readonly instanceId: string;
  readonly state: SidecarState;
  /** True once caught up with the keys and revocation topics (and not closed). */
  readonly ready: boolean;
  /** The revocations topic. */
  readonly topic: string;
  readonly topics: TopicNames;
  /** Revocation events applied. */
  readonly eventsApplied: number;
  /** Revocation events (under a new event id) for a revocation already applied. */
  readonly duplicateEvents: number;
  /** Key, signer and kill-switch events applied from the keys topic. */
  readonly keyEventsApplied: number;
  /** The kill switches learnt from the keys topic (global and per audience), including lifted ones. */
  readonly killSwitches: readonly KillSwitchSnapshot[];
  readonly tombstones: number;
  /** Events rejected and never applied, by reason, both topics, e.g. `{ UNSIGNED: 1, REPLAY: 2 }`. */
  readonly rejectedEvents: Readonly<Partial<Record<SidecarEventRejectionReason, number>>>;
  /** The token-signing keys learnt from the keys topic, and the highest key-set version held. */
  readonly keySet: KeySetSnapshot;
  /** The event signers trusted right now: configured anchors and signers announced since. */
  readonly trustedSigners: readonly TrustedSignerInfo[];
  /** Heartbeats and acks on the acks topic. */
  readonly reports: ReportStats;
  /** Deny-list entries held (an upper bound on live rules: expired ones are swept lazily). */
  readonly denyListSize: number;
  /** True while the sidecar fails closed because a live rule was dropped (see `denyList.maxEntries`). */
  readonly denyListOverflow: boolean;
  readonly denyListEvictions: number;
  /** `verify` results since creation, by `ok` or failure code. */
  readonly verifications: Readonly<Record<string, number>>;
  /** Time since the sidecar last heard from the authority, and the policy past the bound. */
  readonly staleness: StalenessStats;
}

/** The revmesh sidecar: local token verification plus the deny rules pushed by the authority. */
export interface Sidecar {
  /** This sidecar's id (logs, metrics, broker client ids). */
  readonly instanceId: string;
  /**
   * Resolves once every event that existed on the keys topic and on the revocation topic when
   * `start()` was called has been checked and applied: the key set is loaded and every revocation
   * published before the start is enforced. Rejects with a `SidecarStartError` if reading could not
   * start, or a `SidecarClosedError` if the sidecar was closed first. Until then `verify` answers
   * `NOT_READY`.
   */
  readonly ready: Promise<void>;
  /**
   * Starts reading the keys and revocation topics from the beginning with private readers (no
   * consumer group offsets: every instance sees every event), and sends the first heartbeat.
   * Revocations are applied only once the keys topic is caught up, so events signed by a signer
   * announced there are not refused as `UNKNOWN_SIGNER`. Resolves once reading has begun; await
   * `ready` for coherence. Rejects with a `SidecarStartError` (cause: the transport error). Calling
   * it twice, or after `close()`, is a `TypeError`.
   */
  start(): Promise<void>;
  /**
   * Stops reading, stops the heartbeat, publishes pending acks (waiting at most 2 s), disconnects,
   * closes the Kafka transport if the sidecar created it, and leaves no timers or sockets. Idempotent.
   */
  close(): Promise<void>;
  /**
   * Verifies an access token: size and shape, header `alg` (allow-list) and `typ`, key, signature,
   * `iss`, `aud`, `exp`/`nbf`/`iat`, required claims, then the deny rules (read on every call,
   * never cached). Never throws for a bad token: narrow the result on `ok`, then `code`.
   */
  verify(token: string, options?: VerifyOptions): Promise<VerifyResult>;
  /** True when ready but past `staleness.maxSilenceMs` without hearing from the authority (readiness endpoints). */
  isStale(): boolean;
  /**
   * The `LOCKDOWN` failure when a kill switch with lockdown covers this sidecar's audiences (or
   * is global), else undefined. The HTTP adapters answer requests without a usable token with
   * it too, so a locked-down service refuses everything with `LOCKDOWN`, as `verify` does.
   */
  lockdown(): KillSwitchFailure | undefined;
  /** When this sidecar applied a revocation (among the last 10 000), or undefined. */
  appliedRevocation(revocationId: string): AppliedRevocation | undefined;
  /** Calls `listener` after each newly applied revocation. Returns the unsubscribe function. */
  onRevocationApplied(listener: RevocationAppliedListener): () => void;
  /** Calls `listener` after each key state change applied from the keys topic. Returns the unsubscribe function. */
  onKeyEvent(listener: KeyEventListener): () => void;
  stats(): SidecarStats;
}

/**
 * Creates a sidecar. Validates `options` (a `TypeError` lists every problem, including a private
 * key among `eventSigners`) and builds the key source; opens no connection until `start()`.
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
  const { clock, logger, instanceId } = config;

  let state: SidecarState = 'created';
  const setState = (next: SidecarState): void => {
    assertTransition(state, next);
    state = next;
  };
  const readyDeferred = createDeferred<void>();
  const verifications: Record<string, number> = {};

  const overflowLog = { active: false };
  // The gauge callback reads the deny list lazily (only an SDK's collection calls it, after creation).
  const metrics = createSidecarMetrics({
    meterProvider: config.meterProvider,
    denyListSize: () => denyList.size,
    keySetVersion: () => keySync.version,
    keySetSizes: () => {
      const sizes: Record<string, number> = {};
      for (const key of keySet.keys()) sizes[key.state] = (sizes[key.state] ?? 0) + 1;
      return sizes;
    },
    stalenessAgeSeconds: () => (startedAt === 0 ? 0 : Math.max(0, clock() - lastHeardAt) / 1000),
    stalenessLimitSeconds: config.maxSilenceMs / 1000,
    consumerLag: () => ({ keys: readers[0]?.lag(), revocations: readers[1]?.lag() }),
  });
  /** When the sidecar last applied a signed record from the authority (staleness); start time before the first. */
  let lastHeardAt: EpochMillis = 0;
  let failOpenAccepted = 0;
  let staleLogged = false;
  const blocked = createBlockedAggregator({
    instanceId,
    clock,
    maxEntries: SIDECAR_DEFAULTS.maxBlockedEntries,
    maxAddresses: SIDECAR_DEFAULTS.maxBlockedAddresses,
  });
  const denyList = createDenyList({
    maxEntries: config.denyListMaxEntries,
    maxRuleTtlMs: config.maxTokenLifetimeSeconds * 1000,
    clock,
    onLiveEviction: (eviction) => {
      metrics.liveEviction(eviction.targetType);
      // One error line per overflow episode, not one per eviction: an overflowing sidecar may
      // evict on every event, and the metric counts each one.
      if (!overflowLog.active) {
        overflowLog.active = true;
        logger.error('revmesh sidecar deny list is full and dropped a live revocation; refusing every token (DENY_LIST_OVERFLOW)', {
          max_entries: config.denyListMaxEntries,
          revocation_id: eviction.revocationId,
          target_type: eviction.targetType,
          fail_closed_until: new Date(eviction.overflowUntil).toISOString(),
          fix: 'raise denyList.maxEntries (size it to revocation rate x maxTokenLifetimeSeconds)',
        });
      }
    },
  });

  const isReady = (): boolean => state === 'ready';
  const sync = createRevocationSync({ denyList, clock, logger, metrics, isReady });
  const trustedSigners = createTrustedSigners(config.eventSigners);
  const keySet = createKeySet();
  const killSwitches = createKillSwitches();
  const audiences: readonly string[] = typeof config.audience === 'string' ? [config.audience] : config.audience;
  const keySync = createKeySync({ keySet, signerChain: createSignerChain(trustedSigners), killSwitches, clock, logger, metrics, isReady });

  let transport: EventTransport | undefined;
  /** With `brokers`, reporting gets a Kafka client of its own, whose retry noise stays at debug (see reportingTransportLogger). */
  let reportsTransport: EventTransport | undefined;
  let startedAt: EpochMillis = 0;
  const reporter = createSidecarReporter({
    createPublisher: () => {
      const owner = reportsTransport ?? transport;
      if (!owner) throw new Error('revmesh sidecar: reporting started before the transport exists');
      return owner.createPublisher();
    },
    topic: config.topics.acks,
    instanceId,
    audiences: typeof config.audience === 'string' ? [config.audience] : config.audience,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    flushIntervalMs: SIDECAR_DEFAULTS.ackFlushIntervalMs,
    batchSize: SIDECAR_DEFAULTS.ackBatchSize,
    maxBufferedAcks: SIDECAR_DEFAULTS.maxBufferedAcks,
    closeFlushTimeoutMs: SIDECAR_DEFAULTS.closeFlushTimeoutMs,
    status: () => ({ ready: isReady(), keySetVersion: keySync.version }),
    blockedReport: () => blocked.drain(keySync.version),
    clock,
    logger,
    metrics,
  });
  const acknowledge = (event: RevmeshEvent, record: IncomingRecord): void => {
    lastHeardAt = clock();
    if (staleLogged) {
      staleLogged = false;
      logger.info('revmesh sidecar hears from the authority again; no longer stale', { event_type: event.type });
    }
    if (event.type === 'authority.heartbeat') return;
    if (isReady() || record.timestamp >= startedAt - CATCH_UP_ACK_MARGIN_MS) reporter.ack(event);
  };
  const intake = createEventIntake({
    trust: trustedSigners,
    seen: createSeenEventIds(SIDECAR_DEFAULTS.rememberedEventIds),
    revocations: sync,
    keys: keySync,
    logger,
    metrics,
    instanceId,
    clock,
    denyListSize: () => denyList.size,
    onApplied: acknowledge,
  });
  const tokens = createTokenVerifier({
    issuer: config.issuer,
    audience: config.audience,
    algorithms: config.algorithms,
    requiredTyp: config.requiredTyp,
    clockToleranceSeconds: config.clockToleranceSeconds,
    maxTokenLifetimeSeconds: config.maxTokenLifetimeSeconds,
    maxTokenBytes: config.maxTokenBytes,
    getKey: createKeySource(config.keys, keySet),
    isKeyRevoked: (kid) => keySet.isRevoked(kid),
    clock,
  });

  let readers: TopicReader[] = [];
  let starting: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  const ownsTransport = config.transport.kind === 'brokers';
  let transportClosed = false;

  const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

  /** Stops the readers, then reporting (last acks), then the transport if the sidecar created it. Safe to call twice. */
  const release = async (): Promise<void> => {
    const stopping = readers;
    readers = [];
    for (const reader of stopping) {
      try {
        await reader.stop();
      } catch (error) {
        logger.warn('revmesh sidecar: stopping a reader failed', { error: messageOf(error) });
      }
    }
    // After the readers: no event can be applied (and queue an ack) once reporting has flushed.
    await reporter.close();
    if (ownsTransport && !transportClosed) {
      transportClosed = true;
      for (const owned of [reportsTransport, transport]) {
        try {
          await owned?.close();
        } catch (error) {
          logger.warn('revmesh sidecar: closing the Kafka transport failed', { error: messageOf(error) });
        }
      }
    }
  };

  const becomeReady = (): void => {
    if (state !== 'starting' && state !== 'catching-up') return;
    setState('ready');
    logger.info('revmesh sidecar is ready: caught up with the keys and revocation topics', {
      topics: [config.topics.keys, config.topics.revocations],
      events_applied: sync.counts().eventsApplied,
      deny_list_size: denyList.size,
      key_set_version: keySync.version,
      keys: keySet.keys().length,
      trusted_signers: trustedSigners.size,
    });
    readyDeferred.resolve();
    reporter.heartbeat();
  };

  const notCaughtUp = (error: unknown): void => {
    if (state !== 'starting' && state !== 'catching-up') return;
    setState('failed');
    const failure = new SidecarStartError('revmesh sidecar stopped reading the keys and revocation topics before catching up', { cause: error });
    logger.error(failure.message, { error: messageOf(error) });
    readyDeferred.reject(failure);
  };

  const onHandlerError = (error: unknown, record: IncomingRecord): void =>
    // intake.handle never throws; if it somehow did, say where.
    logger.error('revmesh sidecar event handler threw', { error: messageOf(error), topic: record.topic, offset: record.offset });

  const doStart = async (): Promise<void> => {
    try {
      if (config.transport.kind === 'provided') {
        transport = config.transport.transport;
      } else {
        transport = createKafkaTransport({ brokers: config.transport.brokers, clientId: `revmesh-sidecar-${instanceId}`, logger });
        reportsTransport = createKafkaTransport({
          brokers: config.transport.brokers,
          clientId: `revmesh-sidecar-${instanceId}-reports`,
          logger: reportingTransportLogger(logger),
        });
      }
      startedAt = clock();
      lastHeardAt = startedAt;
      reporter.start(startedAt);
      const keysReader = transport.createReader({ topic: config.topics.keys, readerId: `${instanceId}.keys`, onHandlerError });
      const revocationsReader = transport.createReader({ topic: config.topics.revocations, readerId: instanceId, onHandlerError });
      readers = [keysReader, revocationsReader];
      Promise.all([keysReader.caughtUp, revocationsReader.caughtUp]).then(becomeReady, notCaughtUp);
      // Revocations wait for the keys topic: a revocation signed by a signer announced there would
      // otherwise be refused (UNKNOWN_SIGNER) for arriving first, and lost to this instance.
      let keysLoaded = false;
      const keysSettled = keysReader.caughtUp.then(
        () => void (keysLoaded = true),
        () => undefined,
      );
      await keysReader.start((record) => intake.handle('keys', record));
      await revocationsReader.start(async (record) => {
        if (!keysLoaded) await keysSettled;
        if (state === 'closed') return;
        await intake.handle('revocations', record);
      });
    } catch (error) {
      const failure = new SidecarStartError(`revmesh sidecar could not start reading its topics: ${messageOf(error)}`, { cause: error });
      if (state === 'starting') {
        setState('failed');
        logger.error(failure.message, { topics: [config.topics.keys, config.topics.revocations] });
        readyDeferred.reject(failure);
      }
      // Nothing may stay open after a failed start, even if the caller never calls close().
      await release();
      throw failure;
    }
    if (state === 'starting') setState('catching-up');
    if (state !== 'closed') logger.info('revmesh sidecar started reading the keys and revocation topics', { topics: [config.topics.keys, config.topics.revocations] });
  };

  const doClose = async (): Promise<void> => {
    const wasReady = state === 'ready';
    setState('closed');
    if (!wasReady) readyDeferred.reject(new SidecarClosedError('the sidecar was closed before it caught up with the keys and revocation topics'));
    // Let an in-flight start() finish first, or its consumer could connect after we stopped.
    await starting?.catch(() => undefined);
    await release();
    metrics.close();
    sync.clearListeners();
    keySync.clearListeners();
  };

  const silenceMs = (): number => Math.max(0, clock() - lastHeardAt);
  const isStale = (): boolean => state === 'ready' && silenceMs() > config.maxSilenceMs;

  /** The result, and the jti of a token found revoked (for blocked reports; never the token). */
  type Verified = { readonly result: VerifyResult; readonly jti?: string; readonly failOpen?: boolean };

  const scopeName = (scope: KillSwitchScope): string => (scope.kind === 'global' ? 'the global kill switch' : `the kill switch of audience ${scope.audience}`);
  const lockdownFailure = (scope: KillSwitchScope): KillSwitchFailure => ({
    ok: false,
    code: 'LOCKDOWN',
    message: `${scopeName(scope)} is in lockdown: every token is refused until it is lifted`,
    scope,
  });
  /** The LOCKDOWN failure when a lockdown covers this sidecar's audiences, else undefined. */
  const activeLockdown = (): KillSwitchFailure | undefined => {
    const locked = killSwitches.lockdownFor(audiences);
    return locked ? lockdownFailure(locked) : undefined;
  };

  const verify = async (token: string, verifyOptions: VerifyOptions | undefined): Promise<Verified> => {
    if (state !== 'ready') {
      return { result: verifyFailure('NOT_READY', NOT_READY_MESSAGES[state]) };
    }
    // Before anything else, the token included: a lockdown refuses valid and invalid tokens alike,
    // and no per-route policy (not even fail-open-UNSAFE while stale) gets past it.
    const locked = activeLockdown();
    if (locked) return { result: locked };
    let failOpen = false;
    if (isStale()) {
      const silence = silenceMs();
      if (!staleLogged) {
        staleLogged = true;
        logger.error('revmesh sidecar is stale: nothing heard from the authority within staleness.maxSilenceMs', {
          silence_ms: silence,
          max_silence_ms: config.maxSilenceMs,
          policy: config.stalePolicy,
        });
      }
      if ((verifyOptions?.stalePolicy ?? config.stalePolicy) !== 'fail-open-UNSAFE') {
        return {
          result: verifyFailure('STALE_STATE', `the sidecar has heard nothing from the authority for ${silence} ms (bound ${config.maxSilenceMs} ms); revocations may be missing`),
        };
      }
      failOpen = true;
    }
    const { result, jti } = await verifyToken(token);
    return { result, jti, failOpen: failOpen && result.ok };
  };

  const verifyToken = async (token: string): Promise<{ result: VerifyResult; jti?: string }> => {
    const checked = await tokens.verify(token);
    if (!checked.ok) {
      if (checked.code === 'INTERNAL_ERROR') logger.error('revmesh sidecar: token verification failed unexpectedly', { detail: checked.message });
      return { result: checked };
    }
    // Re-checked after the await: a sidecar closed meanwhile must not accept.
    if ((state as SidecarState) !== 'ready') return { result: verifyFailure('NOT_READY', 'the sidecar is closed') };
    // Re-checked too: a lockdown may have arrived during the signature check.
    const locked = activeLockdown();
    if (locked) return { result: locked };
    const overflowing = denyList.isOverflowing();
    if (!overflowing && overflowLog.active) {
      overflowLog.active = false;
      logger.warn('revmesh sidecar deny list overflow is over: every dropped revocation has expired');
    }
    const match = denyList.match(checked.claims);
    if (match) {
      return {
        result: {
          ok: false,
          code: 'TOKEN_REVOKED',
          message: `token was revoked (revocation ${match.revocationId}, by ${match.target})`,
          revocationId: match.revocationId,
          target: match.target,
        },
        jti: checked.claims.jti,
      };
    }
    const cut = killSwitches.cutFor(checked.claims.aud, checked.claims.iat);
    if (cut) {
      return {
        result: {
          ok: false,
          code: 'KILL_SWITCH_CUT',
          message: `token was issued at or before the cut of ${scopeName(cut.scope)} (iat ${checked.claims.iat} <= ${cut.notAfterIat}); a newer token is accepted`,
          scope: cut.scope,
        },
        jti: checked.claims.jti,
      };
    }
    if (overflowing) {
      return { result: verifyFailure('DENY_LIST_OVERFLOW', 'the sidecar dropped a revocation for lack of room and refuses every token until it expires') };
    }
    return { result: checked };
  };

  const traceRate = config.traceRejectedVerifications;
  const traceRejection = (startTime: number, result: VerifyResult, jti: string | undefined): void => {
    if (result.ok || traceRate <= 0 || Math.random() >= traceRate) return;
    recordFinishedSpan(
      SPAN_TOKEN_VERIFY,
      startTime,
      {
        [ATTR_SPAN_VERIFY_RESULT]: result.code,
        [ATTR_SPAN_INSTANCE_ID]: instanceId,
        ...(jti === undefined ? {} : { [ATTR_SPAN_JTI]: jti }),
        ...(result.code === 'TOKEN_REVOKED' ? { [ATTR_SPAN_REVOCATION_ID]: result.revocationId } : {}),
        ...(result.code === 'KEY_REVOKED' ? { [ATTR_SPAN_KID]: result.kid } : {}),
      },
      true,
    );
  };

  return {
    instanceId,
    ready: readyDeferred.promise,
    start() {
      if (state === 'closed') return Promise.reject(new TypeError('sidecar.start(): the sidecar is closed; create a new one'));
      if (state !== 'created') return Promise.reject(new TypeError('sidecar.start() was already called'));
      setState('starting');
      starting = doStart();
      return starting;
    },
    close() {
      closing ??= doClose();
      return closing;
    },
    async verify(token, verifyOptions) {
      // Only taken when rejected spans are sampled at all: the accept path stays span-free.
      const startTime = traceRate > 0 ? Date.now() : 0;
      const { result, jti, failOpen } = await verify(token, verifyOptions);
      const key = result.ok ? 'ok' : result.code;
      verifications[key] = (verifications[key] ?? 0) + 1;
      metrics.verification(key);
      blocked.record(result, jti, verifyOptions?.context);
      if (failOpen && result.ok) {
        failOpenAccepted++;
        metrics.failOpenAccepted();
        // Every one is logged: the route chose to accept tokens whose revocation may have been missed.
        logger.warn('revmesh sidecar accepted a token while stale (fail-open-UNSAFE route); a revocation may have been missed', {
          jti: result.claims.jti,
          silence_ms: silenceMs(),
          max_silence_ms: config.maxSilenceMs,
          ...(verifyOptions?.context?.address === undefined ? {} : { address: verifyOptions.context.address }),
        });
      }
      if (!result.ok) traceRejection(startTime, result, jti);
      return result;
    },
    isStale,
    lockdown: () => (state === 'ready' ? activeLockdown() : undefined),
    appliedRevocation: (revocationId) => sync.appliedRevocation(revocationId),
    onRevocationApplied: (listener) => {
      if (typeof listener !== 'function') throw new TypeError('sidecar.onRevocationApplied(listener): listener must be a function');
      return sync.onApplied(listener);
    },
    onKeyEvent: (listener) => {
      if (typeof listener !== 'function') throw new TypeError('sidecar.onKeyEvent(listener): listener must be a function');
      return keySync.onKeyEvent(listener);
    },
    stats() {
      const counts = sync.counts();
      const intakeCounts = intake.counts();
      const keyCounts = keySync.counts();
      return {
        instanceId,
        state,
        ready: state === 'ready',
        topic: config.topic,
        topics: { ...config.topics },
        eventsApplied: counts.eventsApplied,
        duplicateEvents: counts.duplicateEvents,
        keyEventsApplied: keyCounts.keyEventsApplied + keyCounts.signerEventsApplied + keyCounts.killSwitchEventsApplied,
        killSwitches: killSwitches.list(),
        tombstones: intakeCounts.tombstones,
        rejectedEvents: intakeCounts.rejectedEvents,
        keySet: { source: config.keys.kind, version: keySync.version, keys: keySet.keys() },
        trustedSigners: trustedSigners.list(),
        reports: reporter.stats(),
        denyListSize: denyList.size,
        denyListOverflow: denyList.isOverflowing(),
        denyListEvictions: denyList.liveEvictions,
        verifications: { ...verifications },
        staleness: {
          lastHeardAt,
          ageMs: startedAt === 0 ? 0 : silenceMs(),
          maxSilenceMs: config.maxSilenceMs,
          stale: isStale(),
          policy: config.stalePolicy,
          failOpenAccepted,
        },
      };
    },
  };
}
