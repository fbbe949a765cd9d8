import type { MeterProvider } from '@opentelemetry/api';
import { z } from 'zod';
import { DEFAULT_TOPIC_PREFIX, topicNames, type EventSignerJwk, type TopicNames } from '@revmesh/contracts';
import type { EventTransport } from '@revmesh/transport';
import { createJsonLogger, type SidecarLogger } from '../logging/logger';
import { defaultInstanceId, INSTANCE_ID_PATTERN } from '../internal/instance-id';
import type { Clock, Milliseconds, Seconds } from '../internal/units';
import {
  DEFAULT_ALGORITHMS,
  isSupportedAlgorithm,
  refusedAlgorithmReason,
  SUPPORTED_ALGORITHMS,
  type SupportedAlgorithm,
} from '../verify/algorithms';
import { resolveDpopOptions, type ResolvedDpopOptions } from '../dpop/dpop-options';
import { eventSignersSchema } from './event-signers-option';
import { issuerEntrySchema, issuerSetProblems, resolveIssuers, type ResolvedIssuer } from './issuers-option';
import { keysOptionSchema, REMOTE_KEYS_DEFAULTS, resolveKeysOption, type ResolvedKeys } from './keys-option';

export type { ResolvedKeys } from './keys-option';
import type { SidecarOptions, StalePolicy } from './sidecar-options';

/** Defaults, in one place so the TSDoc of {@link SidecarOptions} and the code cannot drift apart unnoticed. */
export const SIDECAR_DEFAULTS = {
  clockToleranceSeconds: 5,
  maxClockToleranceSeconds: 300,
  requiredTyp: 'at+jwt',
  maxTokenBytes: 8192,
  maxTokenLifetimeSeconds: 86_400,
  maxTokenLifetimeSecondsLimit: 30 * 86_400,
  pendingKeyGraceMs: 2_000,
  maxPendingKeyGraceMs: 10_000,
  denyListMaxEntries: 1_000_000,
  denyListMaxEntriesLimit: 20_000_000,
  /** Verified-token cache: entries, estimated bytes, and the longest an entry is kept (ms). */
  tokenCacheMaxEntries: 10_000,
  tokenCacheMaxEntriesLimit: 1_000_000,
  tokenCacheMaxBytes: 16_777_216,
  tokenCacheMaxBytesLimit: 1_073_741_824,
  tokenCacheMaxAgeMs: 60_000,
  tokenCacheMaxAgeMsLimit: 3_600_000,
  /** Cold start from signed snapshots: on, and the longest wait for the snapshot topic (ms). */
  snapshotsEnabled: true,
  snapshotTimeoutMs: 30_000,
  minSnapshotTimeoutMs: 1_000,
  maxSnapshotTimeoutMs: 600_000,
  ...REMOTE_KEYS_DEFAULTS,
  heartbeatIntervalMs: 5_000,
  minHeartbeatIntervalMs: 100,
  maxHeartbeatIntervalMs: 600_000,
  /** Acks applied after ready are published in batches: at most this long after the first one waits
   *  (they carry `applied_at`, so waiting delays the report, never the measured time to revoke; a
   *  burst of revocations then costs each sidecar one produce request, not one each)... */
  ackFlushIntervalMs: 100,
  /** ...or as soon as this many wait. */
  ackBatchSize: 500,
  /** Acks held while the acks topic is unreachable; beyond this the oldest are dropped (and counted). */
  maxBufferedAcks: 10_000,
  /** Event ids remembered to refuse a replay (`REPLAY`); about 100 bytes each. */
  rememberedEventIds: 200_000,
  /** How long `close()` waits for the last acks to be published before it disconnects anyway, ms. */
  closeFlushTimeoutMs: 2_000,
  /** Staleness bound: generous, so a healthy but quiet mesh (authority heartbeat every few seconds) never trips it. */
  maxSilenceMs: 60_000,
  minMaxSilenceMs: 1_000,
  maxMaxSilenceMs: 86_400_000,
  stalePolicy: 'fail-closed',
  traceRejectedVerifications: 0.01,
  /** Distinct revoked tokens kept per blocked-report window (most frequent are sent). */
  maxBlockedEntries: 500,
  /** Distinct client addresses kept per revoked token per window. */
  maxBlockedAddresses: 20,
  /**
   * Accepted verifications remembered (the newest; per request: its claims and accept time) so an
   * applied revocation's ack can say how many requests were accepted after the revocation with a
   * token it denies. Memory: this many references to decoded claims sets (shared with the
   * verified-token cache for repeated tokens; about 0.5–1 KB each for distinct ones, so ~4 MB at
   * most for typical tokens) plus 8 bytes each; grown with use, not preallocated. At 4,096 the log
   * covers the last 4,096 accepts: at 1,000 accepted requests/s, about 4 s of propagation delay,
   * beyond which the count is a lower bound.
   */
  acceptLogMaxEntries: 4_096,
} as const;


export type ResolvedTransport =
  | { readonly kind: 'provided'; readonly transport: EventTransport }
  | { readonly kind: 'brokers'; readonly brokers: readonly string[] };

/** {@link SidecarOptions} after validation, with every default applied. */
export interface ResolvedSidecarOptions {
  /** The revmesh authority's issuer (top-level `issuer`), if given. */
  readonly issuer: string | undefined;
  /** Every trusted issuer, the top-level one first (see issuers-option.ts). */
  readonly issuers: readonly ResolvedIssuer[];
  readonly audience: string | readonly string[];
  readonly keys: ResolvedKeys;
  readonly algorithms: readonly SupportedAlgorithm[];
  readonly clockToleranceSeconds: Seconds;
  readonly requiredTyp: string;
  readonly maxTokenBytes: number;
  readonly maxTokenLifetimeSeconds: Seconds;
  readonly pendingKeyGraceMs: Milliseconds;
  readonly denyListMaxEntries: number;
  readonly tokenCache: { readonly maxEntries: number; readonly maxBytes: number; readonly maxAgeMs: Milliseconds };
  readonly snapshots: { readonly enabled: boolean; readonly timeoutMs: Milliseconds };
  readonly eventSigners: readonly EventSignerJwk[];
  readonly heartbeatIntervalMs: Milliseconds;
  readonly transport: ResolvedTransport;
  /** The revocations topic (kept for `stats().topic`). */
  readonly topic: string;
  readonly topics: TopicNames;
  readonly instanceId: string;
  readonly logger: SidecarLogger;
  readonly clock: Clock;
  readonly meterProvider: MeterProvider | undefined;
  readonly maxSilenceMs: Milliseconds;
  readonly stalePolicy: StalePolicy;
  readonly traceRejectedVerifications: number;
  /** DPoP proof checks of key-bound tokens (see dpop/dpop-options.ts). */
  readonly dpop: ResolvedDpopOptions;
}

const isFunction = (value: unknown): boolean => typeof value === 'function';
const hasMethods =
  (...names: string[]) =>
  (value: unknown): boolean =>
    typeof value === 'object' && value !== null && names.every((n) => isFunction((value as Record<string, unknown>)[n]));

const required = (what: string) => (issue: { input: unknown }) =>
  issue.input === undefined ? `is required: ${what}` : undefined;

const BROKER_PATTERN = /^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/;

const positiveInt = (what: string) =>
  z.number({ error: `must be a number (${what})` }).int('must be a whole number').positive('must be greater than 0');

const algorithmsSchema = z
  .array(z.string({ error: 'each algorithm must be a string such as "ES256"' }), { error: 'must be an array, e.g. ["ES256", "EdDSA"]' })
  .min(1, 'must allow at least one algorithm, e.g. ["ES256"]')
  .superRefine((algs, ctx) => {
    algs.forEach((alg, i) => {
      const refused = refusedAlgorithmReason(alg);
      if (refused) ctx.addIssue({ code: 'custom', path: [i], message: `REFUSED ${JSON.stringify(alg)}: ${refused}` });
      else if (!isSupportedAlgorithm(alg)) {
        ctx.addIssue({ code: 'custom', path: [i], message: `unsupported algorithm ${JSON.stringify(alg)}; supported: ${SUPPORTED_ALGORITHMS.join(', ')}` });
      }
    });
  });

const optionsSchema = z
  .strictObject(
    {
      issuer: z.string({ error: 'must be a string: the expected "iss" of tokens, e.g. https://auth.example.com' }).min(1, 'must not be empty').optional(),
      issuers: z.array(issuerEntrySchema(algorithmsSchema), { error: 'must be an array of issuer objects { issuer, keys, ... }' }).optional(),
      audience: z.union(
        [
          z.string().min(1, 'must not be empty'),
          z.array(z.string().min(1, 'must not be empty')).min(1, 'must list at least one audience'),
        ],
        { error: (i) => required("this service's audience, a string or an array of strings")(i) ?? 'must be a string or an array of strings' },
      ),
      keys: keysOptionSchema(false).optional(),
      eventSigners: eventSignersSchema,
      algorithms: algorithmsSchema.optional(),
      clockToleranceSeconds: z
        .number({ error: 'must be a number of seconds' })
        .min(0, 'must be >= 0')
        .max(SIDECAR_DEFAULTS.maxClockToleranceSeconds, `must be at most ${SIDECAR_DEFAULTS.maxClockToleranceSeconds} seconds; fix the hosts' clocks (NTP) instead`)
        .optional(),
      requiredTyp: z.string({ error: 'must be a string such as "at+jwt"' }).min(1, 'must not be empty').optional(),
      maxTokenBytes: positiveInt('bytes').min(512, 'must be at least 512 bytes').max(65_536, 'must be at most 65536 bytes').optional(),
      maxTokenLifetimeSeconds: positiveInt('seconds')
        .max(SIDECAR_DEFAULTS.maxTokenLifetimeSecondsLimit, `must be at most ${SIDECAR_DEFAULTS.maxTokenLifetimeSecondsLimit} seconds (30 days)`)
        .optional(),
      pendingKeyGraceMs: z
        .number({ error: 'must be a number of milliseconds' })
        .int('must be a whole number of milliseconds')
        .min(0, 'must be >= 0 (0 refuses tokens of a pending key at once)')
        .max(SIDECAR_DEFAULTS.maxPendingKeyGraceMs, `must be at most ${SIDECAR_DEFAULTS.maxPendingKeyGraceMs} ms`)
        .optional(),
      denyList: z
        .strictObject({
          maxEntries: positiveInt('entries')
            .max(SIDECAR_DEFAULTS.denyListMaxEntriesLimit, `must be at most ${SIDECAR_DEFAULTS.denyListMaxEntriesLimit}`)
            .optional(),
        })
        .optional(),
      tokenCache: z
        .strictObject({
          maxEntries: z
            .number({ error: 'must be a whole number of entries' })
            .int('must be a whole number of entries')
            .min(0, 'must be >= 0 (0 turns the cache off)')
            .max(SIDECAR_DEFAULTS.tokenCacheMaxEntriesLimit, `must be at most ${SIDECAR_DEFAULTS.tokenCacheMaxEntriesLimit}`)
            .optional(),
          maxBytes: positiveInt('bytes').max(SIDECAR_DEFAULTS.tokenCacheMaxBytesLimit, `must be at most ${SIDECAR_DEFAULTS.tokenCacheMaxBytesLimit} bytes`).optional(),
          maxAgeMs: positiveInt('milliseconds').max(SIDECAR_DEFAULTS.tokenCacheMaxAgeMsLimit, `must be at most ${SIDECAR_DEFAULTS.tokenCacheMaxAgeMsLimit} ms`).optional(),
        })
        .optional(),
      snapshots: z
        .strictObject({
          enabled: z.boolean({ error: 'must be true or false' }).optional(),
          timeoutMs: positiveInt('milliseconds')
            .min(SIDECAR_DEFAULTS.minSnapshotTimeoutMs, `must be at least ${SIDECAR_DEFAULTS.minSnapshotTimeoutMs} ms`)
            .max(SIDECAR_DEFAULTS.maxSnapshotTimeoutMs, `must be at most ${SIDECAR_DEFAULTS.maxSnapshotTimeoutMs} ms`)
            .optional(),
        })
        .optional(),
      transport: z
        .custom<EventTransport>(hasMethods('createReader', 'createPublisher', 'close'), { error: 'must be an EventTransport (from @revmesh/transport)' })
        .optional(),
      brokers: z
        .array(z.string().regex(BROKER_PATTERN, 'must be host:port, e.g. 127.0.0.1:19092'), { error: 'must be an array of host:port strings' })
        .min(1, 'must list at least one host:port')
        .optional(),
      topicPrefix: z.string({ error: 'must be a string' }).optional(),
      heartbeatIntervalMs: positiveInt('milliseconds')
        .min(SIDECAR_DEFAULTS.minHeartbeatIntervalMs, `must be at least ${SIDECAR_DEFAULTS.minHeartbeatIntervalMs} ms`)
        .max(
          SIDECAR_DEFAULTS.maxHeartbeatIntervalMs,
          `must be at most ${SIDECAR_DEFAULTS.maxHeartbeatIntervalMs} ms (the authority counts an instance as gone after 3 missed heartbeats)`,
        )
        .optional(),
      instanceId: z
        .string({ error: 'must be a string' })
        .regex(INSTANCE_ID_PATTERN, 'must be 1-200 characters of A-Z a-z 0-9 . _ : -')
        .optional(),
      logger: z
        .custom<SidecarLogger>(hasMethods('debug', 'info', 'warn', 'error'), { error: 'must have debug, info, warn and error methods' })
        .optional(),
      clock: z.custom<Clock>(isFunction, { error: 'must be a function returning the current time in epoch milliseconds' }).optional(),
      meterProvider: z
        .custom<MeterProvider>(hasMethods('getMeter'), { error: 'must be an OpenTelemetry MeterProvider (with getMeter)' })
        .optional(),
      staleness: z
        .strictObject({
          maxSilenceMs: positiveInt('milliseconds')
            .min(SIDECAR_DEFAULTS.minMaxSilenceMs, `must be at least ${SIDECAR_DEFAULTS.minMaxSilenceMs} ms`)
            .max(SIDECAR_DEFAULTS.maxMaxSilenceMs, `must be at most ${SIDECAR_DEFAULTS.maxMaxSilenceMs} ms`)
            .optional(),
          policy: z.enum(['fail-closed', 'fail-open-UNSAFE'], { error: "must be 'fail-closed' or 'fail-open-UNSAFE'" }).optional(),
        })
        .optional(),
      traceRejectedVerifications: z.number({ error: 'must be a number between 0 and 1' }).min(0, 'must be >= 0').max(1, 'must be <= 1').optional(),
      // Checked field by field by resolveDpopOptions (its messages name each field).
      dpop: z.record(z.string(), z.unknown(), { error: 'must be an object (see SidecarDpopOptions)' }).optional(),
    },
    { error: (i) => (i.input === undefined ? 'createSidecar needs an options object' : 'options must be an object') },
  )
  .superRefine((options, ctx) => {
    for (const [path, message] of issuerSetProblems(options.issuer, options.keys, options.issuers ?? [])) {
      ctx.addIssue({ code: 'custom', path: [...path], message });
    }
    if ((options.transport === undefined) === (options.brokers === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [options.transport === undefined ? 'brokers' : 'transport'],
        message:
          options.transport === undefined
            ? 'give either brokers (Kafka host:port list) or transport (an EventTransport)'
            : 'give either brokers or transport, not both',
      });
    }
    if (options.topicPrefix !== undefined) {
      try {
        topicNames(options.topicPrefix);
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: ['topicPrefix'], message: (error as Error).message });
      }
    }
  });

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length > 0 ? `options.${issue.path.map(String).join('.')}` : 'options';
  if (issue.code === 'unrecognized_keys') {
    return `${path}: unknown option${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}; check the spelling`;
  }
  return `${path}: ${issue.message}`;
}

/**
 * Validates {@link SidecarOptions} and applies defaults. Throws one `TypeError` listing every
 * problem with its fix, so a misconfigured service fails at boot, not on its first request.
 */
export function resolveSidecarOptions(input: SidecarOptions): ResolvedSidecarOptions {
  const parsed = optionsSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  - ${describeIssue(issue)}`);
    // Cross-field rules do not run when a field is invalid; a missing issuer is still worth saying.
    const raw = (typeof input === 'object' && input !== null ? input : {}) as { issuer?: unknown; issuers?: unknown };
    if (raw.issuer === undefined && (!Array.isArray(raw.issuers) || raw.issuers.length === 0)) {
      const [[path, message]] = issuerSetProblems(undefined, undefined, []) as [[readonly string[], string]];
      const line = `  - options.${path.join('.')}: ${message}`;
      if (!lines.includes(line)) lines.unshift(line);
    }
    throw new TypeError(`createSidecar: invalid options\n${lines.join('\n')}`);
  }
  const o = parsed.data;
  const { options: dpop, problems: dpopProblems } = resolveDpopOptions(input.dpop);
  if (dpop === undefined) throw new TypeError(`createSidecar: invalid options\n${dpopProblems.map((p) => `  - options.${p}`).join('\n')}`);
  const keys = resolveKeysOption(o.keys, o.issuer);
  const audience = typeof o.audience === 'string' ? o.audience : [...o.audience];
  const algorithms = (o.algorithms as SupportedAlgorithm[] | undefined) ?? DEFAULT_ALGORITHMS;
  const requiredTyp = o.requiredTyp ?? SIDECAR_DEFAULTS.requiredTyp;
  const instanceId = o.instanceId ?? defaultInstanceId();
  const topics = topicNames(o.topicPrefix ?? DEFAULT_TOPIC_PREFIX);
  return {
    issuer: o.issuer,
    issuers: resolveIssuers({ issuer: o.issuer, keys: o.keys, audience, algorithms, requiredTyp }, o.issuers ?? []),
    audience,
    keys,
    algorithms,
    clockToleranceSeconds: o.clockToleranceSeconds ?? SIDECAR_DEFAULTS.clockToleranceSeconds,
    requiredTyp,
    maxTokenBytes: o.maxTokenBytes ?? SIDECAR_DEFAULTS.maxTokenBytes,
    maxTokenLifetimeSeconds: o.maxTokenLifetimeSeconds ?? SIDECAR_DEFAULTS.maxTokenLifetimeSeconds,
    pendingKeyGraceMs: o.pendingKeyGraceMs ?? SIDECAR_DEFAULTS.pendingKeyGraceMs,
    denyListMaxEntries: o.denyList?.maxEntries ?? SIDECAR_DEFAULTS.denyListMaxEntries,
    tokenCache: {
      maxEntries: o.tokenCache?.maxEntries ?? SIDECAR_DEFAULTS.tokenCacheMaxEntries,
      maxBytes: o.tokenCache?.maxBytes ?? SIDECAR_DEFAULTS.tokenCacheMaxBytes,
      maxAgeMs: o.tokenCache?.maxAgeMs ?? SIDECAR_DEFAULTS.tokenCacheMaxAgeMs,
    },
    snapshots: {
      enabled: o.snapshots?.enabled ?? SIDECAR_DEFAULTS.snapshotsEnabled,
      timeoutMs: o.snapshots?.timeoutMs ?? SIDECAR_DEFAULTS.snapshotTimeoutMs,
    },
    // A fresh array of parsed JWKs: a caller mutating its input later must not change whom this sidecar trusts.
    eventSigners: o.eventSigners,
    heartbeatIntervalMs: o.heartbeatIntervalMs ?? SIDECAR_DEFAULTS.heartbeatIntervalMs,
    transport: o.transport !== undefined ? { kind: 'provided', transport: o.transport } : { kind: 'brokers', brokers: [...o.brokers!] },
    topic: topics.revocations,
    topics,
    instanceId,
    logger: o.logger ?? createJsonLogger({ level: 'warn', base: { component: 'revmesh-sidecar', instance_id: instanceId } }),
    clock: o.clock ?? Date.now,
    meterProvider: o.meterProvider,
    maxSilenceMs: o.staleness?.maxSilenceMs ?? SIDECAR_DEFAULTS.maxSilenceMs,
    stalePolicy: o.staleness?.policy ?? SIDECAR_DEFAULTS.stalePolicy,
    traceRejectedVerifications: o.traceRejectedVerifications ?? SIDECAR_DEFAULTS.traceRejectedVerifications,
    dpop,
  };
}
