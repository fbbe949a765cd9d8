import { randomUUID } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { AuditContext } from '../../audit/audit-context';
import type { AuditLog } from '../../audit/audit-log';
import type { AuthorityLogger } from '../../logging/logger';
import type { BackoffOptions } from '../../outbox/backoff';
import type { AuthorityStore } from '../../store/store';
import type { Clock, Milliseconds } from '../../time/clock';
import { DELIVERY_POLL, DELIVERY_PUSH } from '../set-types';
import { createDeliveryQueue } from './delivery-queue';
import type { PushFetch } from './push-set';
import type { ReceiverAccess, ReceiverAuthenticator, ReceiverIdentity } from './receiver-auth';
import { setClaims, VERIFICATION } from './revocation-sets';
import { createSetDispatcher, DEFAULT_PUSH_BACKOFF } from './set-dispatcher';
import type { SetSigningKey } from './set-signing-key';
import {
  createStreamSchema,
  parseSsfRequest,
  pollSchema,
  updateStatusSchema,
  updateStreamSchema,
  verificationSchema,
  type UpdateStreamRequest,
} from './stream-requests';
import { createStreamStore, type StoredStream, type StreamDelivery, type StreamSettings, type StreamStatus } from './stream-store';
import { streamConfiguration, streamStatusView, type StreamConfiguration, type StreamStatusView } from './stream-view';
import { SsfRequestInvalidError, SsfStreamConflictError, SsfStreamNotFoundError, SsfTooManyRequestsError, type SsfFieldError } from './transmitter-errors';

/** Paths of the transmitter's endpoints under the issuer URL (the HTTP layer serves exactly these). */
export const SSF_TRANSMITTER_PATHS = {
  configuration: '/ssf/transmitter/streams',
  status: '/ssf/transmitter/status',
  verification: '/ssf/transmitter/verify',
  /** Followed by `/<stream_id>`. */
  poll: '/ssf/transmitter/poll',
  jwks: '/ssf/transmitter/jwks.json',
} as const;

/** Tunables of the transmitter, with their defaults. */
export interface SsfTransmitterSettings {
  /**
   * Accept `http:` push URLs and loopback / private addresses (default false: `https:` to
   * public addresses only). For tests and local demos; INSECURE anywhere else: SETs and the
   * receiver's authorization header travel in the clear, and receivers can make the authority
   * POST into its own network.
   */
  readonly allowInsecurePushUrls?: boolean;
  /** How often new revocations are turned into SETs and due pushes are sent, ms. Default 200. */
  readonly intervalMs?: Milliseconds;
  /** Longest wait for a receiver to answer one push, ms. Default 5000. */
  readonly pushTimeoutMs?: Milliseconds;
  /** Retry schedule of failed pushes. Default {@link DEFAULT_PUSH_BACKOFF} (1 s doubling, capped at 5 min). */
  readonly backoff?: Partial<BackoffOptions>;
  /** `min_verification_interval`, seconds. Default 10. */
  readonly minVerificationIntervalSeconds?: number;
  /** Streams one receiver may have. Default 8. */
  readonly maxStreamsPerReceiver?: number;
  /** Longest a poll without `returnImmediately` waits for a SET, ms. Default 10000. */
  readonly pollWaitMs?: Milliseconds;
  /** The HTTP client of pushes (tests). Default: the global `fetch`. */
  readonly fetch?: PushFetch;
}

/** The transmitter configuration metadata (SSF 1.0 §7.1), served at `/.well-known/ssf-configuration`. */
export interface TransmitterMetadata {
  readonly spec_version: '1_0';
  readonly issuer: string;
  readonly jwks_uri: string;
  readonly delivery_methods_supported: readonly string[];
  readonly configuration_endpoint: string;
  readonly status_endpoint: string;
  readonly verification_endpoint: string;
  readonly authorization_schemes: readonly { readonly spec_urn: string }[];
  readonly default_subjects: 'ALL';
}

/** An RFC 8936 poll answer. */
export interface PollResponse {
  readonly sets: Readonly<Record<string, string>>;
  readonly moreAvailable: boolean;
}

/** One stream as operators see it: who owns it, where it delivers, how far behind it is. */
export interface StreamOverview {
  readonly stream_id: string;
  readonly client_id: string;
  readonly status: StreamStatus;
  readonly status_reason: string | null;
  readonly delivery: { readonly method: string; readonly endpoint_url: string };
  readonly events_delivered: readonly string[];
  readonly created_at: string;
  readonly pending: number;
  readonly oldest_pending_at: string | null;
  readonly failed: number;
  readonly last_error: string | null;
}

/** Who called, for the audit log. */
export interface ReceiverRequestOrigin {
  readonly requestId: string | null;
  readonly sourceAddress: string | null;
}

/**
 * revmesh as an OpenID Shared Signals Framework 1.0 transmitter: the stream management API of
 * registered receivers, our revocations as SETs (push, RFC 8935; poll, RFC 8936) from a durable
 * queue, and the metadata and SET key receivers discover. Every call takes the receiver
 * authenticated by {@link authenticate}; a stream is only ever visible to the client that created it.
 */
export interface SsfTransmitter {
  metadata(): TransmitterMetadata;
  /** The public SET key(s), served at `jwks_uri`. */
  jwks(): { readonly keys: readonly unknown[] };
  authenticate(authorization: string | undefined, access: ReceiverAccess): Promise<ReceiverIdentity>;
  createStream(receiver: ReceiverIdentity, body: unknown, origin?: ReceiverRequestOrigin): StreamConfiguration;
  /** One stream (`streamId`), or all of the receiver's. */
  readStreams(receiver: ReceiverIdentity, streamId: string | undefined): StreamConfiguration | StreamConfiguration[];
  /** PATCH (`replace` false) or PUT (`replace` true). */
  updateStream(receiver: ReceiverIdentity, body: unknown, replace: boolean, origin?: ReceiverRequestOrigin): StreamConfiguration;
  deleteStream(receiver: ReceiverIdentity, streamId: string | undefined, origin?: ReceiverRequestOrigin): void;
  readStatus(receiver: ReceiverIdentity, streamId: string | undefined): StreamStatusView;
  updateStatus(receiver: ReceiverIdentity, body: unknown, origin?: ReceiverRequestOrigin): StreamStatusView;
  /** Queues a verification SET (sent at once on a push stream). */
  verify(receiver: ReceiverIdentity, body: unknown): Promise<void>;
  /** RFC 8936: acknowledges, records `setErrs`, then returns pending SETs (waiting up to `pollWaitMs` unless `returnImmediately`). */
  poll(receiver: ReceiverIdentity, streamId: string, body: unknown, signal?: AbortSignal): Promise<PollResponse>;
  /**
   * Every receiver's streams with their delivery backlog, for operators (`GET /v1/ssf/streams`):
   * a receiver that stays down shows as SETs waiting since long ago, with the last push error.
   */
  overview(): StreamOverview[];
  /** Something was committed: look for new revocations now rather than at the next interval. Cheap; never throws. */
  notify(): void;
  /** Queues SETs for revocations committed since the last run, then pushes what is due (tests; the loop does it by itself). */
  runOnce(): Promise<number>;
  start(): void;
  /** Stops the dispatcher (waiting for pushes in flight) and answers every waiting long poll. */
  stop(): Promise<void>;
}

export interface SsfTransmitterOptions {
  readonly issuer: string;
  readonly store: AuthorityStore;
  readonly key: SetSigningKey;
  readonly receivers: ReceiverAuthenticator;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly logger: AuthorityLogger;
  readonly settings?: SsfTransmitterSettings;
}

/** Default poll size when the receiver names none. */
const DEFAULT_MAX_EVENTS = 100;

function issuerUrl(issuer: string, path: string): string {
  return `${issuer.replace(/\/+$/, '')}${path}`;
}

function receiverContext(receiver: ReceiverIdentity, origin: ReceiverRequestOrigin | undefined): AuditContext {
  return { actor: { kind: 'client', id: receiver.clientId }, role: null, justification: null, requestId: origin?.requestId ?? null, sourceAddress: origin?.sourceAddress ?? null };
}

/**
 * Addresses a receiver must not make the authority POST to (loopback, RFC 1918 / RFC 4193
 * private, link-local such as cloud metadata endpoints). Only IP literals are checked: a name is
 * not resolved here, so a network policy on the authority's egress remains the real fence.
 */
const INTERNAL = new BlockList();
INTERNAL.addSubnet('127.0.0.0', 8, 'ipv4');
INTERNAL.addSubnet('10.0.0.0', 8, 'ipv4');
INTERNAL.addSubnet('172.16.0.0', 12, 'ipv4');
INTERNAL.addSubnet('192.168.0.0', 16, 'ipv4');
INTERNAL.addSubnet('169.254.0.0', 16, 'ipv4');
INTERNAL.addSubnet('0.0.0.0', 8, 'ipv4');
INTERNAL.addAddress('::1', 'ipv6');
INTERNAL.addAddress('::', 'ipv6');
INTERNAL.addSubnet('fc00::', 7, 'ipv6');
INTERNAL.addSubnet('fe80::', 10, 'ipv6');

function isInternalAddress(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const family = isIP(host);
  if (family === 0) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  if (mapped !== null) return INTERNAL.check(mapped[1]!, 'ipv4');
  return INTERNAL.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/** @throws {TypeError} for invalid settings. */
export function createSsfTransmitter(options: SsfTransmitterOptions): SsfTransmitter {
  const { issuer, store, key, receivers, audit, clock, logger } = options;
  const settings = options.settings ?? {};
  const minVerificationIntervalSeconds = settings.minVerificationIntervalSeconds ?? 10;
  const maxStreams = settings.maxStreamsPerReceiver ?? 8;
  const pollWaitMs = settings.pollWaitMs ?? 10_000;
  for (const [name, value] of [
    ['minVerificationIntervalSeconds', minVerificationIntervalSeconds],
    ['maxStreamsPerReceiver', maxStreams],
    ['pollWaitMs', pollWaitMs],
  ] as const) {
    if (!Number.isInteger(value) || value < 0) throw new TypeError(`ssf transmitter ${name} must be a non-negative integer`);
  }
  const streams = createStreamStore(store);
  const queue = createDeliveryQueue(store);
  const pollUrl = (streamId: string): string => issuerUrl(issuer, `${SSF_TRANSMITTER_PATHS.poll}/${encodeURIComponent(streamId)}`);
  const view = (stream: StoredStream): StreamConfiguration => streamConfiguration(stream, { issuer, pollUrl, minVerificationIntervalSeconds });
  const lastVerification = new Map<string, number>();
  /** Long polls waiting for a stream's next SET. */
  const pollWaiters = new Map<string, Set<() => void>>();
  const wakePolls = (streamIds: ReadonlySet<string>): void => {
    for (const id of streamIds) for (const wake of pollWaiters.get(id) ?? []) wake();
  };
  const dispatcher = createSetDispatcher({
    issuer,
    store,
    streams,
    queue,
    key,
    clock,
    logger,
    fetch: settings.fetch ?? ((url, init) => fetch(url, init)),
    intervalMs: settings.intervalMs ?? 200,
    pushTimeoutMs: settings.pushTimeoutMs ?? 5_000,
    backoff: { ...DEFAULT_PUSH_BACKOFF, ...settings.backoff },
    onQueued: wakePolls,
  });

  const ownStream = (receiver: ReceiverIdentity, streamId: string | undefined): StoredStream => {
    if (streamId === undefined || streamId.length === 0) throw new SsfRequestInvalidError('stream_id is required', [{ field: 'stream_id', message: 'is required' }]);
    const stream = streams.get(streamId);
    // Another receiver's stream is "not found" too: stream ids reveal nothing.
    if (stream === undefined || stream.clientId !== receiver.clientId) throw new SsfStreamNotFoundError(streamId);
    return stream;
  };

  /** The receiver-supplied delivery, checked. Absent: poll (SSF 1.0 §8.1.1.1). */
  const deliveryOf = (delivery: UpdateStreamRequest['delivery'], streamId: string): StreamDelivery => {
    if (delivery === undefined || delivery.method === DELIVERY_POLL) {
      if (delivery?.endpoint_url !== undefined && delivery.endpoint_url !== pollUrl(streamId)) {
        throw new SsfRequestInvalidError('delivery.endpoint_url of a poll stream is supplied by the transmitter', [{ field: 'delivery.endpoint_url', message: 'is set by the transmitter for poll delivery' }]);
      }
      if (delivery?.authorization_header !== undefined) {
        throw new SsfRequestInvalidError('delivery.authorization_header only applies to push delivery', [{ field: 'delivery.authorization_header', message: 'only applies to push delivery' }]);
      }
      return { method: DELIVERY_POLL };
    }
    const url = delivery.endpoint_url;
    const field = 'delivery.endpoint_url';
    if (url === undefined) throw new SsfRequestInvalidError(`${field} is required for push delivery`, [{ field, message: 'is required for push delivery' }]);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new SsfRequestInvalidError(`${field} is not an absolute URL`, [{ field, message: 'must be an absolute URL' }]);
    }
    const problems: string[] = [];
    if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && settings.allowInsecurePushUrls === true)) {
      problems.push(settings.allowInsecurePushUrls === true ? 'must use https or http' : 'must use https');
    }
    if (settings.allowInsecurePushUrls !== true && isInternalAddress(parsed.hostname)) problems.push('must not name a loopback, private or link-local address');
    if (parsed.username !== '' || parsed.password !== '') problems.push('must not carry credentials (use authorization_header)');
    if (parsed.hash !== '') problems.push('must not have a fragment');
    if (problems.length > 0) throw new SsfRequestInvalidError(`${field} ${problems.join(', ')}`, problems.map((message) => ({ field, message })));
    return { method: DELIVERY_PUSH, endpointUrl: url, ...(delivery.authorization_header === undefined ? {} : { authorizationHeader: delivery.authorization_header }) };
  };

  /** Transmitter-supplied members of an update must repeat the current values (SSF 1.0 §8.1.1.3). */
  const checkTransmitterSupplied = (request: UpdateStreamRequest, current: StreamConfiguration): void => {
    const errors: SsfFieldError[] = [];
    if (request.iss !== undefined && request.iss !== current.iss) errors.push({ field: 'iss', message: `must be ${current.iss}` });
    if (request.aud !== undefined && !sameMembers(typeof request.aud === 'string' ? [request.aud] : request.aud, [current.aud])) errors.push({ field: 'aud', message: `must be ${current.aud}` });
    if (request.events_supported !== undefined && !sameMembers(request.events_supported, current.events_supported)) errors.push({ field: 'events_supported', message: 'must be the transmitter\'s current value' });
    if (request.events_delivered !== undefined && !sameMembers(request.events_delivered, current.events_delivered)) errors.push({ field: 'events_delivered', message: 'must be the current value (before this update)' });
    if (request.min_verification_interval !== undefined && request.min_verification_interval !== current.min_verification_interval) errors.push({ field: 'min_verification_interval', message: `must be ${current.min_verification_interval}` });
    if (request.inactivity_timeout !== undefined) errors.push({ field: 'inactivity_timeout', message: 'is not supported by this transmitter' });
    if (errors.length > 0) throw new SsfRequestInvalidError(`transmitter-supplied members differ: ${errors.map((e) => e.field).join(', ')}`, errors);
  };

  const auditStream = (action: string, receiver: ReceiverIdentity, streamId: string, origin: ReceiverRequestOrigin | undefined, details: Record<string, unknown>): void => {
    audit.append({ action, outcome: 'succeeded', target: streamId, context: receiverContext(receiver, origin), details });
  };
  const auditedSettings = (s: StreamSettings): Record<string, unknown> => ({
    method: s.delivery.method,
    ...(s.delivery.method === DELIVERY_PUSH ? { endpointUrl: s.delivery.endpointUrl } : {}),
    eventsRequested: s.eventsRequested ?? [],
  });

  return {
    metadata: () => ({
      spec_version: '1_0',
      issuer,
      jwks_uri: issuerUrl(issuer, SSF_TRANSMITTER_PATHS.jwks),
      delivery_methods_supported: [DELIVERY_PUSH, DELIVERY_POLL],
      configuration_endpoint: issuerUrl(issuer, SSF_TRANSMITTER_PATHS.configuration),
      status_endpoint: issuerUrl(issuer, SSF_TRANSMITTER_PATHS.status),
      verification_endpoint: issuerUrl(issuer, SSF_TRANSMITTER_PATHS.verification),
      authorization_schemes: [{ spec_urn: 'urn:ietf:rfc:6749' }],
      default_subjects: 'ALL',
    }),
    jwks: () => key.jwks(),
    authenticate: (authorization, access) => receivers.authenticate(authorization, access),

    createStream(receiver, body, origin) {
      const request = parseSsfRequest(createStreamSchema, body, 'create stream');
      const streamId = randomUUID();
      const delivery = deliveryOf(request.delivery, streamId);
      const now = clock.now();
      const stream: StoredStream = {
        streamId,
        clientId: receiver.clientId,
        aud: receiver.clientId,
        delivery,
        ...(request.events_requested === undefined ? {} : { eventsRequested: request.events_requested }),
        ...(request.description === undefined ? {} : { description: request.description }),
        status: 'enabled',
        statusReason: null,
        createdAt: now,
        updatedAt: now,
      };
      store.transaction(() => {
        if (streams.countByClient(receiver.clientId) >= maxStreams) {
          throw new SsfStreamConflictError(`receiver ${receiver.clientId} has ${maxStreams} streams already (the most one receiver may have); update or delete one`);
        }
        streams.insert(stream);
        auditStream('ssf.streams.create', receiver, streamId, origin, auditedSettings(stream));
      });
      return view(stream);
    },

    readStreams(receiver, streamId) {
      if (streamId === undefined) return streams.listByClient(receiver.clientId).map(view);
      return view(ownStream(receiver, streamId));
    },

    updateStream(receiver, body, replace, origin) {
      const request = parseSsfRequest(updateStreamSchema, body, replace ? 'replace stream' : 'update stream');
      const current = ownStream(receiver, request.stream_id);
      checkTransmitterSupplied(request, view(current));
      const next: StreamSettings = replace
        ? {
            delivery: deliveryOf(request.delivery, current.streamId),
            ...(request.events_requested === undefined ? {} : { eventsRequested: request.events_requested }),
            ...(request.description === undefined ? {} : { description: request.description }),
          }
        : {
            delivery: request.delivery === undefined ? current.delivery : deliveryOf(request.delivery, current.streamId),
            ...((request.events_requested ?? current.eventsRequested) === undefined ? {} : { eventsRequested: request.events_requested ?? current.eventsRequested! }),
            ...((request.description ?? current.description) === undefined ? {} : { description: request.description ?? current.description! }),
          };
      const now = clock.now();
      store.transaction(() => {
        streams.updateSettings(current.streamId, next, now);
        auditStream(replace ? 'ssf.streams.replace' : 'ssf.streams.update', receiver, current.streamId, origin, auditedSettings(next));
      });
      dispatcher.notify();
      return view(streams.get(current.streamId) ?? current);
    },

    deleteStream(receiver, streamId, origin) {
      const stream = ownStream(receiver, streamId);
      store.transaction(() => {
        streams.delete(stream.streamId);
        auditStream('ssf.streams.delete', receiver, stream.streamId, origin, {});
      });
      lastVerification.delete(stream.streamId);
    },

    readStatus: (receiver, streamId) => streamStatusView(ownStream(receiver, streamId)),

    updateStatus(receiver, body, origin) {
      const request = parseSsfRequest(updateStatusSchema, body, 'update stream status');
      const stream = ownStream(receiver, request.stream_id);
      const reason = request.reason ?? null;
      const now = clock.now();
      store.transaction(() => {
        streams.updateStatus(stream.streamId, request.status, reason, now);
        // Disabled: "will not hold any events" (SSF 1.0 §8.1.2). Paused: held until enabled.
        const dropped = request.status === 'disabled' ? queue.dropPending(stream.streamId) : 0;
        auditStream('ssf.streams.status', receiver, stream.streamId, origin, { from: stream.status, to: request.status, ...(reason === null ? {} : { reason }), dropped });
      });
      if (request.status === 'enabled') dispatcher.notify();
      return streamStatusView({ ...stream, status: request.status, statusReason: reason });
    },

    async verify(receiver, body) {
      const request = parseSsfRequest(verificationSchema, body, 'verification');
      const stream = ownStream(receiver, request.stream_id);
      if (stream.status === 'disabled') throw new SsfRequestInvalidError('the stream is disabled: enable it (status endpoint) before verifying it');
      const now = clock.now();
      const last = lastVerification.get(stream.streamId);
      if (last !== undefined && now - last < minVerificationIntervalSeconds * 1000) {
        throw new SsfTooManyRequestsError(Math.ceil((last + minVerificationIntervalSeconds * 1000 - now) / 1000));
      }
      lastVerification.set(stream.streamId, now);
      const jti = randomUUID();
      const setJwt = await key.sign(
        setClaims({
          issuer,
          aud: stream.aud,
          jti,
          iatSeconds: Math.floor(now / 1000),
          type: VERIFICATION,
          // SSF 1.0 §8.1.4.1: the subject of a verification is the stream itself.
          subject: { format: 'opaque', id: stream.streamId },
          members: request.state === undefined ? {} : { state: request.state },
        }),
      );
      store.transaction(() => queue.enqueue({ streamId: stream.streamId, jti, setJwt }, clock.now()));
      wakePolls(new Set([stream.streamId]));
      dispatcher.notify();
    },

    async poll(receiver, streamId, body, signal) {
      const request = parseSsfRequest(pollSchema, body, 'poll');
      const stream = ownStream(receiver, streamId);
      if (stream.delivery.method !== DELIVERY_POLL) throw new SsfRequestInvalidError('this stream delivers by push (RFC 8935), not poll');
      if (request.ack !== undefined && request.ack.length > 0) queue.remove(stream.streamId, request.ack);
      for (const [jti, error] of Object.entries(request.setErrs ?? {})) {
        if (queue.fail(stream.streamId, jti, `${error.err}: ${error.description}`, clock.now())) logger.warn('SSF receiver reported a SET error', { streamId, jti, err: error.err });
      }
      const maxEvents = request.maxEvents ?? DEFAULT_MAX_EVENTS;
      // A paused stream holds its SETs; a poll gets none of them until it is enabled again.
      const take = (): PollResponse => {
        const current = streams.get(stream.streamId);
        if (maxEvents === 0 || current === undefined || current.status !== 'enabled') return { sets: {}, moreAvailable: false };
        const pending = queue.pending(stream.streamId, maxEvents + 1);
        const sets: Record<string, string> = {};
        for (const set of pending.slice(0, maxEvents)) sets[set.jti] = set.setJwt;
        return { sets, moreAvailable: pending.length > maxEvents };
      };
      const first = take();
      if (Object.keys(first.sets).length > 0 || request.returnImmediately === true || maxEvents === 0 || pollWaitMs === 0) return first;
      // Long poll (RFC 8936 §2.4): wait for the next SET of this stream, the deadline, or the caller leaving.
      await new Promise<void>((resolve) => {
        const waiters = pollWaiters.get(stream.streamId) ?? new Set<() => void>();
        pollWaiters.set(stream.streamId, waiters);
        const done = (): void => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          waiters.delete(done);
          if (waiters.size === 0) pollWaiters.delete(stream.streamId);
          resolve();
        };
        const timer = setTimeout(done, pollWaitMs);
        timer.unref();
        signal?.addEventListener('abort', done, { once: true });
        waiters.add(done);
      });
      return take();
    },

    async runOnce() {
      const queued = await dispatcher.queueRevocations();
      await dispatcher.pushDue();
      return queued;
    },
    overview: () =>
      streams.listAll().map((stream) => {
        const backlog = queue.backlog(stream.streamId);
        const config = view(stream);
        return {
          stream_id: stream.streamId,
          client_id: stream.clientId,
          status: stream.status,
          status_reason: stream.statusReason,
          delivery: config.delivery,
          events_delivered: config.events_delivered,
          created_at: new Date(stream.createdAt).toISOString(),
          pending: backlog.pending,
          oldest_pending_at: backlog.oldestPendingAt === null ? null : new Date(backlog.oldestPendingAt).toISOString(),
          failed: backlog.failed,
          last_error: backlog.lastError,
        };
      }),
    notify: () => dispatcher.notify(),
    start: () => dispatcher.start(),
    stop: () => {
      // Long polls answer now (with what is pending) instead of holding the server's close.
      for (const waiters of pollWaiters.values()) for (const wake of [...waiters]) wake();
      return dispatcher.stop();
    },
  };
}
