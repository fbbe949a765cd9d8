import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { context, metrics, SpanStatusCode, trace, type MeterProvider, type Span, type TracerProvider } from '@opentelemetry/api';
import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose';
import type { AuditContext } from '../../audit/audit-context';
import type { AuditLog } from '../../audit/audit-log';
import { IssuerNotTrustedError } from '../../errors/errors';
import type { IssuerRegistry } from '../../issuers/issuer-registry';
import type { AuthorityLogger } from '../../logging/logger';
import type { PolicySource } from '../../policy/policy-document';
import type { RevocationService } from '../../revocations/revocation-service';
import type { AuthorityStore } from '../../store/store';
import { ATTR, AUTHORITY_METER, AUTHORITY_TRACER, METRIC, SPAN } from '../../telemetry/names';
import { contextFromTraceparent } from '../../telemetry/trace-context';
import type { Clock, Milliseconds, Sleep } from '../../time/clock';
import { DELIVERY_POLL, DELIVERY_PUSH, SET_EVENT_TYPES } from '../set-types';
import { mapSetEvents, type SetAction } from './event-mapping';
import { createReceivedSets, type ReceivedOutcome } from './received-sets';
import { createSetPoller, type PolledSetResult, type PollRound, type SetPoller } from './set-poller';
import { SetRefusedError } from './set-refusal';
import { verifySet } from './set-verifier';
import { createTransmitterClient, discoverTokenEndpoint, discoverTransmitter, type StreamConfiguration, type StreamStatus, type TransmitterClient } from './transmitter-client';
import { TransmitterExistsError, TransmitterNotFoundError, TransmitterRequestError } from './transmitter-errors';
import { createTransmitterStore, type DeliveryMode, type StoredTransmitter } from './transmitter-store';

export { MAX_SET_BYTES } from './set-verifier';

/** Path of the push endpoint under the authority's base URL; the transmitter id follows. */
export const SSF_PUSH_PATH = '/ssf/receiver/push';
/** Ids of transmitters: they appear in URLs, actors (`ssf:<id>`) and metrics. */
export const TRANSMITTER_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;
/** How long the previous push authorization still opens the push endpoint after a rotation, ms (pushes already on their way). */
export const PUSH_AUTHORIZATION_GRACE_MS: Milliseconds = 60_000;
/** How often received `jti`s too old to be replayed are forgotten, ms. */
const RECEIVED_PRUNE_INTERVAL_MS: Milliseconds = 3_600_000;
/** Default pause of a poller after an empty poll, ms. */
export const DEFAULT_SSF_POLL_INTERVAL_MS: Milliseconds = 1_000;

/** The events revmesh asks every transmitter for: those it can map, and stream-updated. */
const EVENTS_REQUESTED = [
  SET_EVENT_TYPES['caep.session-revoked'],
  SET_EVENT_TYPES['caep.credential-change'],
  SET_EVENT_TYPES['risc.credential-compromise'],
  SET_EVENT_TYPES['risc.account-disabled'],
  SET_EVENT_TYPES['risc.account-purged'],
  SET_EVENT_TYPES['risc.sessions-revoked'],
  SET_EVENT_TYPES['ssf.stream-updated'],
];

/** An operator's request to receive a transmitter's events. */
export interface AddTransmitterInput {
  /** Short name: URL segment, actor `ssf:<id>`, metric attribute. */
  readonly id: string;
  /** The transmitter's SSF configuration URL (`<issuer>/.well-known/ssf-configuration`). */
  readonly configUrl: string;
  /** Receiver credentials: an OAuth client of the provider allowed to manage streams. */
  readonly clientId: string;
  readonly clientSecret: string;
  /** `scope` of the receiver's token request (Keycloak: `ssf.read ssf.manage`). */
  readonly scope?: string;
  /** Default: the `token_endpoint` of the issuer's OpenID configuration. */
  readonly tokenEndpoint?: string;
  readonly delivery: DeliveryMode;
  readonly description?: string;
}

/** A transmitter as the API shows it. */
export type TransmitterView = StoredTransmitter;

/** The outcome of a SET handed to the receiver. */
export type SetReceipt = { readonly outcome: ReceivedOutcome | 'duplicate'; readonly jti: string; readonly revocationIds: readonly string[] };

/** The SSF receiver: transmitters, their streams, and every SET they deliver. */
export interface SsfReceiver {
  /**
   * Registers a transmitter: reads its SSF configuration, gets a receiver token, creates a stream
   * (push to this authority's push endpoint with a fresh authorization header, or poll), stores it,
   * audited (`ssf.transmitters.create`). Its issuer must be a registered, enabled trusted issuer.
   * @throws {TransmitterExistsError}, {IssuerNotTrustedError}, {TransmitterRequestError} (nothing stored).
   */
  add(input: AddTransmitterInput, context: AuditContext): Promise<TransmitterView>;
  list(): TransmitterView[];
  /** @throws {TransmitterNotFoundError} */
  get(id: string): TransmitterView;
  /** Reads the stream and its status from the transmitter and stores them. */
  refresh(id: string): Promise<TransmitterView>;
  /**
   * Gives the push stream a new authorization header (PATCH of its `delivery`), audited
   * `ssf.transmitters.rotate-push-authorization`; the previous one still opens the push endpoint
   * for {@link PUSH_AUTHORIZATION_GRACE_MS} (pushes already on their way).
   */
  rotatePushAuthorization(id: string, context: AuditContext): Promise<TransmitterView>;
  /** Asks the transmitter to enable, pause (hold SETs) or disable (drop SETs) the stream, audited `ssf.transmitters.status`. */
  setStreamStatus(id: string, status: StreamStatus, reason: string | undefined, context: AuditContext): Promise<TransmitterView>;
  /** Asks the transmitter for a verification event (audited `ssf.transmitters.verify`); resolves with its `state`. */
  requestVerification(id: string, context: AuditContext): Promise<{ readonly state: string }>;
  /** Deletes the stream at the transmitter (if it still answers) and the registration, audited. */
  remove(id: string, context: AuditContext): Promise<{ readonly streamDeleted: boolean }>;
  /**
   * A pushed SET (RFC 8935). Authenticates the transmitter by the stream's authorization header.
   * @throws {SetRefusedError} `authentication_failed` (unknown transmitter, missing or wrong header),
   *   or the code of the verification that failed; nothing changed then.
   */
  receivePush(id: string, push: { readonly authorization: string | undefined; readonly body: unknown; readonly traceparent?: string }): Promise<SetReceipt>;
  /** One poll of a poll-delivery transmitter (the background poller does the same). */
  pollOnce(id: string): Promise<PollRound>;
  /** Starts a poller per poll-delivery transmitter (and for those added later). */
  start(): void;
  stop(): Promise<void>;
}

export interface SsfReceiverOptions {
  readonly store: AuthorityStore;
  readonly kek: Buffer;
  /** The authority's public base URL: push endpoints are `<base>/ssf/receiver/push/<id>`. */
  readonly publicBaseUrl: string;
  readonly revocations: Pick<RevocationService, 'revoke'>;
  readonly issuers: Pick<IssuerRegistry, 'revocationIssuer'>;
  readonly policy: PolicySource;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly logger: AuthorityLogger;
  readonly pollIntervalMs?: Milliseconds;
  readonly fetch?: typeof globalThis.fetch;
  /** Keys of a transmitter; default jose's remote JWKS (cached, refetched on an unknown kid). */
  readonly keysFor?: (jwksUri: string) => JWTVerifyGetKey;
  readonly meterProvider?: MeterProvider;
  readonly tracerProvider?: TracerProvider;
}

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Creates the SSF receiver (pollers not started). */
export function createSsfReceiver(options: SsfReceiverOptions): SsfReceiver {
  const { clock, logger } = options;
  const transmitters = createTransmitterStore(options.store, options.kek);
  const received = createReceivedSets(options.store);
  const fetcher = options.fetch ?? globalThis.fetch;
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_SSF_POLL_INTERVAL_MS;
  const keyCache = new Map<string, JWTVerifyGetKey>();
  const keysFor = (jwksUri: string) => {
    let keys = keyCache.get(jwksUri);
    if (keys === undefined) {
      keys = options.keysFor?.(jwksUri) ?? createRemoteJWKSet(new URL(jwksUri), options.fetch === undefined ? {} : { [customFetch]: options.fetch });
      keyCache.set(jwksUri, keys);
    }
    return keys;
  };
  const clients = new Map<string, TransmitterClient>();
  const pollers = new Map<string, SetPoller>();
  const inFlight = new Map<string, Promise<SetReceipt>>();
  /** Per transmitter, the push authorization hash a rotation replaced, and until when it still opens the endpoint. */
  const previousAuthorization = new Map<string, { readonly hash: Buffer; readonly until: Milliseconds }>();
  let started = false;
  let pruneTimer: ReturnType<typeof setInterval> | undefined;
  // A jti may be forgotten once its SET would be refused by iat anyway: received at R, its iat is
  // at most R + futureSkew, and a replay after R + maxAge + futureSkew is older than maxAge.
  const pruneReceived = () => {
    try {
      const { maxSetAgeSeconds, futureSkewSeconds } = options.policy.current().ssf;
      received.prune(clock.now() - (maxSetAgeSeconds + futureSkewSeconds) * 1000);
    } catch (error) {
      logger.warn('ssf received SETs not pruned; retrying later', { error: (error as Error).message });
    }
  };
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(AUTHORITY_METER);
  const setsCounter = meter.createCounter(METRIC.ssfSets, { unit: '{set}', description: 'Security Event Tokens received from SSF transmitters, by outcome (refused: by RFC 8935 code)' });
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(AUTHORITY_TRACER);

  const find = (id: string): StoredTransmitter => {
    const found = transmitters.find(id);
    if (found === undefined) throw new TransmitterNotFoundError(id);
    return found;
  };

  const clientOf = (transmitter: StoredTransmitter, clientSecret?: string): TransmitterClient => {
    let client = clients.get(transmitter.id);
    if (client === undefined) {
      client = createTransmitterClient({
        metadata: transmitter.metadata,
        tokenEndpoint: transmitter.tokenEndpoint,
        clientId: transmitter.clientId,
        clientSecret: clientSecret ?? transmitters.clientSecret(transmitter.id),
        ...(transmitter.scope === undefined ? {} : { scope: transmitter.scope }),
        fetch: fetcher,
      });
      clients.set(transmitter.id, client);
    }
    return client;
  };

  const count = (transmitter: string, outcome: string, code?: string) => setsCounter.add(1, { transmitter, outcome, ...(code === undefined ? {} : { code }) });

  /** Applies the actions of a verified SET; the revocations run under the current (SET) span. */
  async function apply(transmitter: StoredTransmitter, actions: readonly SetAction[], jti: string): Promise<{ outcome: ReceivedOutcome; revocationIds: string[] }> {
    const revocationIds: string[] = [];
    let outcome: ReceivedOutcome = 'ignored';
    const actor = { kind: 'system' as const, id: `ssf:${transmitter.id}` };
    for (const action of actions) {
      switch (action.kind) {
        case 'revoke':
          try {
            const revocation = await options.revocations.revoke({
              target: action.target,
              iss: action.iss,
              reason: action.reason,
              actor,
              ...(action.issuedUpTo === undefined ? {} : { issuedUpTo: action.issuedUpTo }),
            });
            revocationIds.push(revocation.id);
            outcome = 'applied';
          } catch (error) {
            // A disabled issuer: the operator chose to stop revoking its tokens. Acknowledged, not applied.
            if (!(error instanceof IssuerNotTrustedError)) throw error;
            logger.warn('ssf event not applied: its issuer is not trusted', { transmitter: transmitter.id, jti, event: action.event, reason: error.reason });
            if (outcome === 'ignored') outcome = 'not-applied';
          }
          break;
        case 'verification':
          transmitters.markVerified(transmitter.id, clock.now());
          if (outcome === 'ignored') outcome = 'verification';
          break;
        case 'stream-updated':
          if (action.status !== undefined) transmitters.updateStatus(transmitter.id, action.status, clock.now());
          logger.warn('ssf stream status changed by the transmitter', { transmitter: transmitter.id, status: action.status ?? null, reason: action.reason ?? null });
          if (outcome === 'ignored') outcome = 'stream-updated';
          break;
        case 'ignored':
          logger.info('ssf event ignored', { transmitter: transmitter.id, jti, event_type: action.eventType, why: action.why });
          break;
      }
    }
    return { outcome, revocationIds };
  }

  /** Verifies, de-duplicates and applies one SET. Refusals are counted and logged without content. */
  async function handle(transmitter: StoredTransmitter, compact: unknown, traceparent: string | undefined): Promise<SetReceipt> {
    const parent = traceparent === undefined ? context.active() : contextFromTraceparent(traceparent, context.active());
    return tracer.startActiveSpan<(span: Span) => Promise<SetReceipt>>(SPAN.ssfSetReceive, { attributes: { [ATTR.ssfTransmitter]: transmitter.id, [ATTR.ssfDelivery]: transmitter.delivery } }, parent, async (span) => {
      try {
        const policy = options.policy.current().ssf;
        const nowSeconds = Math.floor(clock.now() / 1000);
        const audience = transmitter.stream?.aud === undefined ? [] : typeof transmitter.stream.aud === 'string' ? [transmitter.stream.aud] : [...transmitter.stream.aud];
        const payload = await verifySet(typeof compact === 'string' ? compact.trim() : (compact as string), {
          issuer: transmitter.issuer,
          audience,
          keys: keysFor(transmitter.metadata.jwks_uri),
          now: nowSeconds,
          maxAgeSeconds: policy.maxSetAgeSeconds,
          futureSkewSeconds: policy.futureSkewSeconds,
        });
        span.setAttribute(ATTR.ssfJti, payload.jti);
        const key = `${transmitter.id}\u0000${payload.jti}`;
        // The same SET delivered twice at once (a retried push, a poll racing a push): the second
        // waits for the first, and applies it itself only if the first failed.
        const running = inFlight.get(key);
        if (running !== undefined && (await running.then(() => true, () => false))) {
          count(transmitter.id, 'duplicate');
          return { outcome: 'duplicate' as const, jti: payload.jti, revocationIds: [] };
        }
        if (received.has(transmitter.id, payload.jti)) {
          count(transmitter.id, 'duplicate');
          return { outcome: 'duplicate' as const, jti: payload.jti, revocationIds: [] };
        }
        const applying = (async (): Promise<SetReceipt> => {
          const actions = mapSetEvents(payload, { issuer: transmitter.issuer, transmitterId: transmitter.id, policy, now: nowSeconds });
          const { outcome, revocationIds } = await apply(transmitter, actions, payload.jti);
          received.record({ transmitterId: transmitter.id, jti: payload.jti, eventTypes: Object.keys(payload.events), outcome, at: clock.now() });
          count(transmitter.id, outcome);
          return { outcome, jti: payload.jti, revocationIds };
        })();
        inFlight.set(key, applying);
        try {
          return await applying;
        } finally {
          inFlight.delete(key);
        }
      } catch (error) {
        if (error instanceof SetRefusedError) {
          count(transmitter.id, 'refused', error.code);
          // Never the SET itself: it may carry personal data and is not trusted.
          logger.warn('ssf SET refused', { transmitter: transmitter.id, code: error.code, description: error.description });
        } else {
          count(transmitter.id, 'failed');
        }
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  function startPoller(transmitter: StoredTransmitter): void {
    if (transmitter.delivery !== 'poll' || pollers.has(transmitter.id)) return;
    const endpoint = transmitter.stream?.delivery.endpoint_url;
    if (endpoint === undefined) {
      logger.error('ssf poll stream without endpoint_url; not polling', { transmitter: transmitter.id });
      return;
    }
    const poller = createSetPoller({
      transmitterId: transmitter.id,
      poll: (request) => clientOf(transmitter).poll(endpoint, request),
      handle: async (set): Promise<PolledSetResult> => {
        try {
          await handle(transmitter, set, undefined);
          return { ack: true };
        } catch (error) {
          if (error instanceof SetRefusedError) return { err: error.code, description: error.description };
          logger.error('ssf polled SET not handled; it stays unacknowledged', { transmitter: transmitter.id, error: (error as Error).message });
          return { retry: true };
        }
      },
      intervalMs: pollIntervalMs,
      sleep: options.sleep,
      logger,
    });
    pollers.set(transmitter.id, poller);
    if (started) poller.start();
  }

  async function stopPoller(id: string): Promise<void> {
    const poller = pollers.get(id);
    pollers.delete(id);
    await poller?.stop();
  }

  return {
    async add(input, auditContext) {
      if (!TRANSMITTER_ID_PATTERN.test(input.id)) throw new TypeError(`id must match ${TRANSMITTER_ID_PATTERN.source}`);
      if (transmitters.find(input.id) !== undefined) throw new TransmitterExistsError(input.id);
      const metadata = await discoverTransmitter(input.configUrl, { fetch: fetcher });
      // Only a provider operators trust may end its users' tokens.
      options.issuers.revocationIssuer(metadata.issuer);
      const method = input.delivery === 'push' ? DELIVERY_PUSH : DELIVERY_POLL;
      if (metadata.delivery_methods_supported !== undefined && !metadata.delivery_methods_supported.includes(method)) {
        throw new TransmitterRequestError('ssf discovery', `the transmitter does not offer ${input.delivery} delivery (${method})`);
      }
      const tokenEndpoint = input.tokenEndpoint ?? (await discoverTokenEndpoint(metadata.issuer, { fetch: fetcher }));
      const client = createTransmitterClient({
        metadata,
        tokenEndpoint,
        clientId: input.clientId,
        clientSecret: input.clientSecret,
        ...(input.scope === undefined ? {} : { scope: input.scope }),
        fetch: fetcher,
      });
      const authorization = input.delivery === 'push' ? `Bearer ${randomBytes(32).toString('base64url')}` : undefined;
      const endpointUrl = `${options.publicBaseUrl.replace(/\/+$/, '')}${SSF_PUSH_PATH}/${input.id}`;
      const stream = await client.createStream({
        delivery: authorization === undefined ? { method } : { method, endpoint_url: endpointUrl, authorization_header: authorization },
        events_requested: EVENTS_REQUESTED,
        description: input.description ?? `revmesh receiver ${input.id}`,
      });
      if (stream.aud === undefined) {
        await client.deleteStream(stream.stream_id).catch(() => undefined);
        throw new TransmitterRequestError('create stream', 'the stream has no aud: its SETs could not be checked');
      }
      const now = clock.now();
      try {
        options.store.transaction(() => {
          transmitters.insert({
            id: input.id,
            configUrl: input.configUrl,
            metadata,
            clientId: input.clientId,
            clientSecret: input.clientSecret,
            tokenEndpoint,
            ...(input.scope === undefined ? {} : { scope: input.scope }),
            ...(input.description === undefined ? {} : { description: input.description }),
            delivery: input.delivery,
            stream,
            pushAuthHash: authorization === undefined ? null : sha256(authorization).toString('hex'),
            createdBy: auditContext.actor.id,
            now,
          });
          options.audit.append({
            action: 'ssf.transmitters.create',
            outcome: 'succeeded',
            target: input.id,
            context: auditContext,
            details: { issuer: metadata.issuer, configUrl: input.configUrl, clientId: input.clientId, delivery: input.delivery, streamId: stream.stream_id },
          });
        });
      } catch (error) {
        // The stream would deliver to nobody: take it back.
        await client.deleteStream(stream.stream_id).catch(() => undefined);
        throw error;
      }
      clients.set(input.id, client);
      const added = find(input.id);
      startPoller(added);
      return added;
    },

    list: () => transmitters.list(),
    get: find,

    async refresh(id) {
      const transmitter = find(id);
      if (transmitter.streamId === null) return transmitter;
      const client = clientOf(transmitter);
      const stream: StreamConfiguration = await client.readStream(transmitter.streamId);
      transmitters.updateStream(id, stream, clock.now());
      if (transmitter.metadata.status_endpoint !== undefined) {
        const { status } = await client.streamStatus(transmitter.streamId);
        transmitters.updateStatus(id, status, clock.now());
      }
      return find(id);
    },

    async rotatePushAuthorization(id, auditContext) {
      const transmitter = find(id);
      const endpointUrl = transmitter.stream?.delivery.endpoint_url;
      if (transmitter.delivery !== 'push' || transmitter.streamId === null || endpointUrl === undefined) {
        throw new TransmitterRequestError('update stream', `${id} has no push stream`);
      }
      const authorization = `Bearer ${randomBytes(32).toString('base64url')}`;
      const old = transmitters.pushAuthHash(id);
      const stream = await clientOf(transmitter).updateStream(transmitter.streamId, {
        delivery: { method: DELIVERY_PUSH, endpoint_url: endpointUrl, authorization_header: authorization },
      });
      if (old !== null) previousAuthorization.set(id, { hash: Buffer.from(old, 'hex'), until: clock.now() + PUSH_AUTHORIZATION_GRACE_MS });
      options.store.transaction(() => {
        transmitters.updatePushAuthorization(id, sha256(authorization).toString('hex'), stream, clock.now());
        options.audit.append({ action: 'ssf.transmitters.rotate-push-authorization', outcome: 'succeeded', target: id, context: auditContext, details: { streamId: transmitter.streamId } });
      });
      return find(id);
    },

    async setStreamStatus(id, status, reason, auditContext) {
      const transmitter = find(id);
      if (transmitter.streamId === null) throw new TransmitterRequestError('stream status', `${id} has no stream`);
      const answer = await clientOf(transmitter).setStreamStatus(transmitter.streamId, status, reason);
      options.store.transaction(() => {
        transmitters.updateStatus(id, answer.status, clock.now());
        options.audit.append({ action: 'ssf.transmitters.status', outcome: 'succeeded', target: id, context: auditContext, details: { streamId: transmitter.streamId, status, reason: reason ?? null } });
      });
      return find(id);
    },

    async requestVerification(id, auditContext) {
      const transmitter = find(id);
      if (transmitter.streamId === null) throw new TransmitterRequestError('verification', 'the transmitter has no stream');
      const state = randomBytes(16).toString('base64url');
      await clientOf(transmitter).requestVerification(transmitter.streamId, state);
      options.audit.append({ action: 'ssf.transmitters.verify', outcome: 'succeeded', target: id, context: auditContext, details: { streamId: transmitter.streamId } });
      return { state };
    },

    async remove(id, auditContext) {
      const transmitter = find(id);
      await stopPoller(id);
      let streamDeleted = false;
      if (transmitter.streamId !== null) {
        try {
          await clientOf(transmitter).deleteStream(transmitter.streamId);
          streamDeleted = true;
        } catch (error) {
          // The registration goes anyway: an operator removing a transmitter wants its events gone.
          logger.warn('ssf stream could not be deleted at the transmitter; removing the registration anyway', { transmitter: id, error: (error as Error).message });
        }
      }
      options.store.transaction(() => {
        transmitters.remove(id);
        received.forget(id);
        options.audit.append({ action: 'ssf.transmitters.remove', outcome: 'succeeded', target: id, context: auditContext, details: { streamId: transmitter.streamId, streamDeleted } });
      });
      clients.delete(id);
      previousAuthorization.delete(id);
      return { streamDeleted };
    },

    async receivePush(id, push) {
      const transmitter = transmitters.find(id);
      const expected = transmitter === undefined || transmitter.delivery !== 'push' ? null : transmitters.pushAuthHash(id);
      const given = push.authorization === undefined ? undefined : sha256(push.authorization.trim());
      const previous = previousAuthorization.get(id);
      const opens = (hash: Buffer) => given !== undefined && timingSafeEqual(hash, given);
      const authenticated =
        expected !== null && (opens(Buffer.from(expected, 'hex')) || (previous !== undefined && previous.until > clock.now() && opens(previous.hash)));
      if (!authenticated) {
        count(transmitter?.id ?? 'unknown', 'refused', 'authentication_failed');
        logger.warn('ssf push refused: transmitter not authenticated', { transmitter: id.slice(0, 64), authorization: push.authorization === undefined ? 'missing' : 'wrong' });
        throw new SetRefusedError('authentication_failed', push.authorization === undefined ? 'the push carries no Authorization header' : 'the Authorization header is not the one of this stream');
      }
      return handle(transmitter!, push.body, push.traceparent);
    },

    pollOnce(id) {
      const transmitter = find(id);
      if (transmitter.delivery !== 'poll') throw new TransmitterRequestError('poll', `${id} delivers by push`);
      startPoller(transmitter);
      return pollers.get(id)!.pollOnce();
    },

    start() {
      started = true;
      pruneReceived();
      pruneTimer ??= setInterval(pruneReceived, RECEIVED_PRUNE_INTERVAL_MS);
      pruneTimer.unref();
      for (const transmitter of transmitters.list()) startPoller(transmitter);
      for (const poller of pollers.values()) poller.start();
    },

    async stop() {
      started = false;
      clearInterval(pruneTimer);
      pruneTimer = undefined;
      await Promise.all([...pollers.keys()].map(stopPoller));
    },
  };
}

