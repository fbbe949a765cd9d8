import { createKafkaTransport, type EventTransport, type TopicReader } from '@revmesh/transport';
import { createDenyList } from './deny-list/deny-list';
import { SidecarClosedError, SidecarStartError } from './errors/sidecar-errors';
import { createDeferred } from './internal/deferred';
import { createKeySource } from './keys/key-source';
import { assertTransition, type SidecarState } from './lifecycle/sidecar-state';
import { resolveSidecarOptions } from './options/resolve-options';
import type { SidecarOptions } from './options/sidecar-options';
import type { AppliedRevocation } from './sync/applied-revocations';
import { createRevocationSync, type RevocationAppliedListener } from './sync/revocation-sync';
import { createSidecarMetrics } from './telemetry/sidecar-metrics';
import { createTokenVerifier } from './verify/token-verifier';
import { verifyFailure, type VerifyResult } from './verify/verify-result';

const NOT_READY_MESSAGES: Readonly<Record<SidecarState, string>> = {
  created: 'the sidecar has not been started (call sidecar.start())',
  starting: 'the sidecar has not caught up with the revocation topic yet',
  'catching-up': 'the sidecar has not caught up with the revocation topic yet',
  ready: '',
  failed: 'the sidecar could not read the revocation topic (see its start error)',
  closed: 'the sidecar is closed',
};

/** A snapshot of what the sidecar has done; plain JSON, safe to serve on a debug endpoint. */
export interface SidecarStats {
  readonly instanceId: string;
  readonly state: SidecarState;
  /** True once caught up with the revocation topic (and not closed). */
  readonly ready: boolean;
  readonly topic: string;
  readonly eventsApplied: number;
  readonly duplicateEvents: number;
  readonly tombstones: number;
  /** Skipped events by reason, e.g. `{ MALFORMED_JSON: 1 }`. */
  readonly rejectedEvents: Readonly<Record<string, number>>;
  /** Deny-list entries held (an upper bound on live rules: expired ones are swept lazily). */
  readonly denyListSize: number;
  /** True while the sidecar fails closed because a live rule was dropped (see `denyList.maxEntries`). */
  readonly denyListOverflow: boolean;
  readonly denyListEvictions: number;
  /** `verify` results since creation, by `ok` or failure code. */
  readonly verifications: Readonly<Record<string, number>>;
}

/** The revmesh sidecar: local token verification plus the deny rules pushed by the authority. */
export interface Sidecar {
  /** This sidecar's id (logs, metrics, broker client ids). */
  readonly instanceId: string;
  /**
   * Resolves once every revocation that existed on the topic when `start()` was called has been
   * applied. Rejects with a `SidecarStartError` if reading could not start, or a
   * `SidecarClosedError` if the sidecar was closed first. Until then `verify` answers `NOT_READY`.
   */
  readonly ready: Promise<void>;
  /**
   * Starts reading the revocation topic from the beginning with a private reader (no consumer
   * group offsets: every instance sees every revocation). Resolves once reading has begun; await
   * `ready` for coherence. Rejects with a `SidecarStartError` (cause: the transport error). Calling
   * it twice, or after `close()`, is a `TypeError`.
   */
  start(): Promise<void>;
  /** Stops reading, closes the Kafka transport if the sidecar created it, and leaves no timers or sockets. Idempotent. */
  close(): Promise<void>;
  /**
   * Verifies an access token: size and shape, header `alg` (allow-list) and `typ`, key, signature,
   * `iss`, `aud`, `exp`/`nbf`/`iat`, required claims, then the deny rules (read on every call,
   * never cached). Never throws for a bad token: narrow the result on `ok`, then `code`.
   */
  verify(token: string): Promise<VerifyResult>;
  /** When this sidecar applied a revocation (among the last 10 000), or undefined. */
  appliedRevocation(revocationId: string): AppliedRevocation | undefined;
  /** Calls `listener` after each newly applied revocation. Returns the unsubscribe function. */
  onRevocationApplied(listener: RevocationAppliedListener): () => void;
  stats(): SidecarStats;
}

/**
 * Creates a sidecar. Validates `options` (a `TypeError` lists every problem) and builds the key
 * source; opens no connection until `start()`.
 *
 * @example
 * const sidecar = createSidecar({
 *   issuer: 'https://auth.example.com',
 *   audience: 'orders-api',
 *   keys: { jwksUrl: 'https://auth.example.com/.well-known/jwks.json' },
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
  const metrics = createSidecarMetrics({ meterProvider: config.meterProvider, denyListSize: () => denyList.size });
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

  const sync = createRevocationSync({ denyList, clock, logger, metrics, isReady: () => state === 'ready' });
  const tokens = createTokenVerifier({
    issuer: config.issuer,
    audience: config.audience,
    algorithms: config.algorithms,
    requiredTyp: config.requiredTyp,
    clockToleranceSeconds: config.clockToleranceSeconds,
    maxTokenLifetimeSeconds: config.maxTokenLifetimeSeconds,
    maxTokenBytes: config.maxTokenBytes,
    getKey: createKeySource(config.keys),
    clock,
  });

  let transport: EventTransport | undefined;
  let reader: TopicReader | undefined;
  let starting: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  const ownsTransport = config.transport.kind === 'brokers';
  let transportClosed = false;

  /** Stops the reader and, if the sidecar created it, the transport. Safe to call twice. */
  const release = async (): Promise<void> => {
    try {
      await reader?.stop();
    } catch (error) {
      logger.warn('revmesh sidecar: stopping the reader failed', { error: (error as Error)?.message ?? String(error) });
    }
    if (ownsTransport && transport && !transportClosed) {
      transportClosed = true;
      try {
        await transport.close();
      } catch (error) {
        logger.warn('revmesh sidecar: closing the Kafka transport failed', { error: (error as Error)?.message ?? String(error) });
      }
    }
  };

  const becomeReady = (): void => {
    if (state !== 'starting' && state !== 'catching-up') return;
    setState('ready');
    const counts = sync.counts();
    logger.info('revmesh sidecar is ready: caught up with the revocation topic', {
      topic: config.topic,
      events_applied: counts.eventsApplied,
      deny_list_size: denyList.size,
    });
    readyDeferred.resolve();
  };

  const notCaughtUp = (error: unknown): void => {
    if (state !== 'starting' && state !== 'catching-up') return;
    setState('failed');
    const failure = new SidecarStartError(`revmesh sidecar stopped reading ${config.topic} before catching up`, { cause: error });
    logger.error(failure.message, { error: (error as Error)?.message ?? String(error) });
    readyDeferred.reject(failure);
  };

  const doStart = async (): Promise<void> => {
    try {
      transport =
        config.transport.kind === 'provided'
          ? config.transport.transport
          : createKafkaTransport({ brokers: config.transport.brokers, clientId: `revmesh-sidecar-${instanceId}`, logger });
      reader = transport.createReader({
        topic: config.topic,
        readerId: instanceId,
        // sync.handle never throws; if it somehow did, count it like any skipped event.
        onHandlerError: (error, record) =>
          logger.error('revmesh sidecar event handler threw', { error: (error as Error)?.message ?? String(error), offset: record.offset }),
      });
      reader.caughtUp.then(becomeReady, notCaughtUp);
      await reader.start((record) => sync.handle(record));
    } catch (error) {
      const failure = new SidecarStartError(`revmesh sidecar could not start reading ${config.topic}: ${(error as Error)?.message ?? String(error)}`, {
        cause: error,
      });
      if (state === 'starting') {
        setState('failed');
        logger.error(failure.message, { topic: config.topic });
        readyDeferred.reject(failure);
      }
      // Nothing may stay open after a failed start, even if the caller never calls close().
      await release();
      throw failure;
    }
    if (state === 'starting') setState('catching-up');
    if (state !== 'closed') logger.info('revmesh sidecar started reading the revocation topic', { topic: config.topic });
  };

  const doClose = async (): Promise<void> => {
    const wasReady = state === 'ready';
    setState('closed');
    if (!wasReady) readyDeferred.reject(new SidecarClosedError('the sidecar was closed before it caught up with the revocation topic'));
    // Let an in-flight start() finish first, or its consumer could connect after we stopped.
    await starting?.catch(() => undefined);
    await release();
    metrics.close();
    sync.clearListeners();
  };

  const verify = async (token: string): Promise<VerifyResult> => {
    if (state !== 'ready') {
      return verifyFailure('NOT_READY', NOT_READY_MESSAGES[state]);
    }
    const checked = await tokens.verify(token);
    if (!checked.ok) {
      if (checked.code === 'INTERNAL_ERROR') logger.error('revmesh sidecar: token verification failed unexpectedly', { detail: checked.message });
      return checked;
    }
    // Re-checked after the await: a sidecar closed meanwhile must not accept.
    if ((state as SidecarState) !== 'ready') return verifyFailure('NOT_READY', 'the sidecar is closed');
    const overflowing = denyList.isOverflowing();
    if (!overflowing && overflowLog.active) {
      overflowLog.active = false;
      logger.warn('revmesh sidecar deny list overflow is over: every dropped revocation has expired');
    }
    const match = denyList.match(checked.claims);
    if (match) {
      return {
        ok: false,
        code: 'TOKEN_REVOKED',
        message: `token was revoked (revocation ${match.revocationId}, by ${match.target})`,
        revocationId: match.revocationId,
        target: match.target,
      };
    }
    if (overflowing) {
      return verifyFailure('DENY_LIST_OVERFLOW', 'the sidecar dropped a revocation for lack of room and refuses every token until it expires');
    }
    return checked;
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
    async verify(token) {
      const result = await verify(token);
      const key = result.ok ? 'ok' : result.code;
      verifications[key] = (verifications[key] ?? 0) + 1;
      metrics.verification(key);
      return result;
    },
    appliedRevocation: (revocationId) => sync.appliedRevocation(revocationId),
    onRevocationApplied: (listener) => {
      if (typeof listener !== 'function') throw new TypeError('sidecar.onRevocationApplied(listener): listener must be a function');
      return sync.onApplied(listener);
    },
    stats() {
      const counts = sync.counts();
      return {
        instanceId,
        state,
        ready: state === 'ready',
        topic: config.topic,
        eventsApplied: counts.eventsApplied,
        duplicateEvents: counts.duplicateEvents,
        tombstones: counts.tombstones,
        rejectedEvents: counts.rejectedEvents,
        denyListSize: denyList.size,
        denyListOverflow: denyList.isOverflowing(),
        denyListEvictions: denyList.liveEvictions,
        verifications: { ...verifications },
      };
    },
  };
}
