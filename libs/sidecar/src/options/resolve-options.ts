import type { MeterProvider } from '@opentelemetry/api';
import type { JSONWebKeySet } from 'jose';
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
import { eventSignersSchema, PRIVATE_JWK_MEMBERS } from './event-signers-option';
import type { SidecarOptions, StalePolicy } from './sidecar-options';

/** Defaults, in one place so the TSDoc of {@link SidecarOptions} and the code cannot drift apart unnoticed. */
export const SIDECAR_DEFAULTS = {
  clockToleranceSeconds: 5,
  maxClockToleranceSeconds: 300,
  requiredTyp: 'at+jwt',
  maxTokenBytes: 8192,
  maxTokenLifetimeSeconds: 86_400,
  maxTokenLifetimeSecondsLimit: 30 * 86_400,
  denyListMaxEntries: 1_000_000,
  denyListMaxEntriesLimit: 20_000_000,
  jwksCooldownMs: 30_000,
  jwksCacheMaxAgeMs: 600_000,
  jwksTimeoutMs: 5_000,
  heartbeatIntervalMs: 5_000,
  minHeartbeatIntervalMs: 100,
  maxHeartbeatIntervalMs: 600_000,
  /** Acks applied after ready are published in batches: at most this long after the first one waits... */
  ackFlushIntervalMs: 20,
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
} as const;

export type ResolvedKeys =
  | { readonly kind: 'kafka' }
  | {
      readonly kind: 'remote';
      readonly url: URL;
      readonly cooldownMs: Milliseconds;
      readonly cacheMaxAgeMs: Milliseconds;
      readonly timeoutMs: Milliseconds;
      readonly headers: Readonly<Record<string, string>>;
      readonly fetch: typeof fetch | undefined;
    }
  | { readonly kind: 'static'; readonly jwks: JSONWebKeySet };

export type ResolvedTransport =
  | { readonly kind: 'provided'; readonly transport: EventTransport }
  | { readonly kind: 'brokers'; readonly brokers: readonly string[] };

/** {@link SidecarOptions} after validation, with every default applied. */
export interface ResolvedSidecarOptions {
  readonly issuer: string;
  readonly audience: string | readonly string[];
  readonly keys: ResolvedKeys;
  readonly algorithms: readonly SupportedAlgorithm[];
  readonly clockToleranceSeconds: Seconds;
  readonly requiredTyp: string;
  readonly maxTokenBytes: number;
  readonly maxTokenLifetimeSeconds: Seconds;
  readonly denyListMaxEntries: number;
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
}

const isFunction = (value: unknown): boolean => typeof value === 'function';
const hasMethods =
  (...names: string[]) =>
  (value: unknown): boolean =>
    typeof value === 'object' && value !== null && names.every((n) => isFunction((value as Record<string, unknown>)[n]));

const required = (what: string) => (issue: { input: unknown }) =>
  issue.input === undefined ? `is required: ${what}` : undefined;

const BROKER_PATTERN = /^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/;
const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);
const isLoopback = (hostname: string): boolean => LOOPBACK_HOSTS.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname);

const positiveInt = (what: string) =>
  z.number({ error: `must be a number (${what})` }).int('must be a whole number').positive('must be greater than 0');

const keysSchema = z
  .strictObject(
    {
      source: z.literal('kafka', { error: "must be 'kafka' (the keys topic)" }).optional(),
      jwksUrl: z.string({ error: 'must be a URL string, e.g. https://auth.example.com/.well-known/jwks.json' }).optional(),
      jwks: z.custom<JSONWebKeySet>((v) => typeof v === 'object' && v !== null, { error: 'must be a JSON Web Key Set object: { keys: [...] }' }).optional(),
      cooldownMs: z.number().int().nonnegative('must be >= 0 ms').optional(),
      cacheMaxAgeMs: z.number().int().positive('must be > 0 ms').optional(),
      timeoutMs: z.number().int().positive('must be > 0 ms').optional(),
      headers: z.record(z.string(), z.string()).optional(),
      fetch: z.custom<typeof fetch>(isFunction, { error: 'must be a fetch-compatible function' }).optional(),
      allowInsecureHttp: z.boolean().optional(),
    },
    { error: "must be an object: { source: 'kafka' } (the default), { jwks } or { jwksUrl }" },
  )
  .superRefine((keys, ctx) => {
    const remoteOnly = (['cooldownMs', 'cacheMaxAgeMs', 'timeoutMs', 'headers', 'fetch', 'allowInsecureHttp'] as const).filter(
      (k) => keys[k] !== undefined,
    );
    const given = [keys.source, keys.jwksUrl, keys.jwks].filter((v) => v !== undefined).length;
    if (given !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          "give exactly one of keys.jwksUrl (fetch the authority key set), keys.jwks (a static key set, for tests) or keys.source: 'kafka' (the keys topic; the default when keys is omitted)",
      });
      return;
    }
    if (keys.source !== undefined) {
      for (const k of remoteOnly) ctx.addIssue({ code: 'custom', path: [k], message: 'applies only with keys.jwksUrl' });
      return;
    }
    if (keys.jwks !== undefined) {
      for (const k of remoteOnly) ctx.addIssue({ code: 'custom', path: [k], message: 'applies only with keys.jwksUrl' });
      const list = (keys.jwks as { keys?: unknown }).keys;
      if (!Array.isArray(list) || list.length === 0) {
        ctx.addIssue({ code: 'custom', path: ['jwks', 'keys'], message: 'must be a non-empty array of public JWKs' });
        return;
      }
      list.forEach((jwk: unknown, i) => {
        if (typeof jwk !== 'object' || jwk === null || typeof (jwk as { kty?: unknown }).kty !== 'string') {
          ctx.addIssue({ code: 'custom', path: ['jwks', 'keys', i], message: 'must be a JWK object with a "kty"' });
          return;
        }
        const record = jwk as Record<string, unknown>;
        if (record['kty'] === 'oct') {
          ctx.addIssue({ code: 'custom', path: ['jwks', 'keys', i], message: 'is a symmetric ("oct") key; the sidecar verifies with public keys only' });
        }
        const secret = PRIVATE_JWK_MEMBERS.find((m) => record[m] !== undefined);
        if (secret && record['kty'] !== 'oct') {
          ctx.addIssue({
            code: 'custom',
            path: ['jwks', 'keys', i],
            message: `contains private key material ("${secret}"); pass only the public key (jose exportJWK(publicKey))`,
          });
        }
      });
      return;
    }
    let url: URL;
    try {
      url = new URL(keys.jwksUrl!);
    } catch {
      ctx.addIssue({ code: 'custom', path: ['jwksUrl'], message: `${JSON.stringify(keys.jwksUrl)} is not an absolute URL` });
      return;
    }
    if (url.protocol === 'http:' && !isLoopback(url.hostname) && keys.allowInsecureHttp !== true) {
      ctx.addIssue({
        code: 'custom',
        path: ['jwksUrl'],
        message:
          'must use https: (anyone on the network path of a plain-http JWKS request can substitute keys and mint tokens); use https, or set keys.allowInsecureHttp: true if you accept that risk',
      });
    } else if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      ctx.addIssue({ code: 'custom', path: ['jwksUrl'], message: `must be an https: URL, got ${url.protocol}` });
    }
  });

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
      issuer: z.string({ error: (i) => required('the expected "iss" of tokens, e.g. https://auth.example.com')(i) ?? 'must be a string' }).min(1, 'must not be empty'),
      audience: z.union(
        [
          z.string().min(1, 'must not be empty'),
          z.array(z.string().min(1, 'must not be empty')).min(1, 'must list at least one audience'),
        ],
        { error: (i) => required("this service's audience, a string or an array of strings")(i) ?? 'must be a string or an array of strings' },
      ),
      keys: keysSchema.optional(),
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
      denyList: z
        .strictObject({
          maxEntries: positiveInt('entries')
            .max(SIDECAR_DEFAULTS.denyListMaxEntriesLimit, `must be at most ${SIDECAR_DEFAULTS.denyListMaxEntriesLimit}`)
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
    },
    { error: (i) => (i.input === undefined ? 'createSidecar needs an options object' : 'options must be an object') },
  )
  .superRefine((options, ctx) => {
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
    throw new TypeError(`createSidecar: invalid options\n${lines.join('\n')}`);
  }
  const o = parsed.data;
  const keys: ResolvedKeys =
    o.keys === undefined || o.keys.source !== undefined
      ? { kind: 'kafka' }
      : o.keys.jwks !== undefined
      ? { kind: 'static', jwks: structuredClone(o.keys.jwks) }
      : {
          kind: 'remote',
          url: new URL(o.keys.jwksUrl!),
          cooldownMs: o.keys.cooldownMs ?? SIDECAR_DEFAULTS.jwksCooldownMs,
          cacheMaxAgeMs: o.keys.cacheMaxAgeMs ?? SIDECAR_DEFAULTS.jwksCacheMaxAgeMs,
          timeoutMs: o.keys.timeoutMs ?? SIDECAR_DEFAULTS.jwksTimeoutMs,
          headers: o.keys.headers ?? {},
          fetch: o.keys.fetch,
        };
  const instanceId = o.instanceId ?? defaultInstanceId();
  const topics = topicNames(o.topicPrefix ?? DEFAULT_TOPIC_PREFIX);
  return {
    issuer: o.issuer,
    audience: typeof o.audience === 'string' ? o.audience : [...o.audience],
    keys,
    algorithms: (o.algorithms as SupportedAlgorithm[] | undefined) ?? DEFAULT_ALGORITHMS,
    clockToleranceSeconds: o.clockToleranceSeconds ?? SIDECAR_DEFAULTS.clockToleranceSeconds,
    requiredTyp: o.requiredTyp ?? SIDECAR_DEFAULTS.requiredTyp,
    maxTokenBytes: o.maxTokenBytes ?? SIDECAR_DEFAULTS.maxTokenBytes,
    maxTokenLifetimeSeconds: o.maxTokenLifetimeSeconds ?? SIDECAR_DEFAULTS.maxTokenLifetimeSeconds,
    denyListMaxEntries: o.denyList?.maxEntries ?? SIDECAR_DEFAULTS.denyListMaxEntries,
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
  };
}
