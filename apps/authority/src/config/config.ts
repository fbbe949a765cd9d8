import { z } from 'zod';
import { resolveLeaseTimings } from '@revmesh/authority-core';
import type { HttpServerLimits } from '../http/http-server-limits';
import { CONFIG_VARIABLES, type ConfigVariableName, type LogLevel } from './config.variables';

/** The authority's configuration: validated once at boot, then passed around as this object. */
export interface AuthorityConfig {
  readonly port: number;
  readonly host: string;
  readonly kafkaBrokers: readonly string[];
  /** KAFKA_REPLICATION_FACTOR: replicas of the topics it creates; undefined = sized to the cluster. */
  readonly kafkaReplicationFactor?: number;
  /** Absolute path. */
  readonly dataDir: string;
  /** REVMESH_DATABASE_URL and its timeouts: PostgreSQL instead of SQLite in {@link dataDir}. Absent: SQLite. */
  readonly database?: { readonly url: string; readonly statementTimeoutMs: number; readonly connectTimeoutMs: number };
  readonly issuer: string;
  /** REVMESH_BOOTSTRAP_TOKEN: enables POST /v1/bootstrap when set. */
  readonly bootstrapToken?: string;
  /** 32 bytes. */
  readonly kek: Buffer;
  readonly topicPrefix: string;
  readonly accessTokenTtlSeconds: number;
  /** Present only in demo mode. */
  readonly demo?: { readonly clientId: string; readonly clientSecret: string; readonly audience: string };
  readonly outboxPollMs: number;
  /** REVMESH_SSF_POLL_INTERVAL_MS: pause of the SSF receiver's pollers after an empty poll, ms. */
  readonly ssfReceiverPollMs?: number;
  /** Interval of the signed authority heartbeat, ms. */
  readonly heartbeatMs?: number;
  /** REVMESH_TOPIC_CHECK_MS: interval of the topic guard, ms. */
  readonly topicCheckMs?: number;
  /** REVMESH_SNAPSHOT_INTERVAL_MS: interval of the signed snapshots, ms; 0 = on demand only. */
  readonly snapshotIntervalMs?: number;
  /** REVMESH_LEASE_TTL_MS / REVMESH_LEASE_RENEW_MS: the leader lease among replicas, ms. */
  readonly lease?: { readonly ttlMs: number; readonly renewMs: number };
  /** REVMESH_RELAY_TRANSACTIONS: the leader's publishes as fencing Kafka transactions; `auto` follows the store engine. */
  readonly relayTransactions?: 'auto' | 'on' | 'off';
  /** Anomaly thresholds (authority-core's AnomalyThresholds). */
  readonly anomalies?: {
    readonly dedupWindowMs: number;
    readonly revokedUseMin: number;
    readonly jtiWindowMs: number;
    readonly jtiInstances: number;
    readonly jtiAddresses: number;
    readonly authFailureFactor: number;
    readonly authFailureMinPerMinute: number;
    readonly massInvalidationFactor: number;
    readonly massInvalidationMinPerMinute: number;
  };
  readonly logLevel: LogLevel;
  /** Key rotation policy (all validated together, see `crossFieldProblems`). */
  readonly rotation: {
    readonly periodSeconds: number;
    readonly prepublishLeadSeconds: number;
    readonly promotionGateTimeoutMs: number;
    readonly checkIntervalMs: number;
    readonly eventSignerOverlapSeconds: number;
  };
  /** REVMESH_EVENT_SIGNER_RESET: out-of-band recovery from a leaked event-signing key. */
  readonly eventSignerReset: boolean;
  /** REVMESH_POLICY_FILE: absolute path of the security policy file, when given. */
  readonly policyFile?: string;
  /** REVMESH_TRUSTED_PROXIES: addresses/CIDRs whose X-Forwarded-For is believed. */
  readonly trustedProxies?: readonly string[];
  /** REVMESH_HTTP_*: timeouts (ms) and the connection cap of the HTTP server. */
  readonly http: HttpServerLimits;
  /** REVMESH_SSF_*: the SSF transmitter's push settings. Absent: core defaults (https only, 5 min backoff cap). */
  readonly ssfTransmitter?: { readonly allowInsecurePushUrls: boolean; readonly pushBackoffMaxMs: number };
  /** The token endpoint's DPoP proofs: window (s) and, when set, the server-nonce secret (REVMESH_DPOP_*). Absent: defaults, no nonce. */
  readonly dpop?: { readonly maxProofAgeSeconds: number; readonly nonceSecret?: Buffer };
  /** REVMESH_COMMS_*: webhook deliveries of incident messages (retry schedule in ms, attempts). */
  readonly comms?: { readonly retryInitialMs: number; readonly retryMaxMs: number; readonly maxAttempts: number };
  /** Store retention (authority-core's StoreRetentionPeriods, ms) and its job's interval. Absent: core defaults. */
  readonly storeRetention?: {
    readonly publishedOutboxMs: number;
    readonly expiredRevocationMs: number;
    readonly goneInstanceMs: number;
    readonly intervalMs: number;
  };
}

/** The REVMESH_HTTP_* defaults (documented with each variable), for code that builds a config by hand. */
export const DEFAULT_HTTP_LIMITS: HttpServerLimits = {
  requestTimeoutMs: CONFIG_VARIABLES.REVMESH_HTTP_REQUEST_TIMEOUT_MS.schema.parse(undefined),
  headersTimeoutMs: CONFIG_VARIABLES.REVMESH_HTTP_HEADERS_TIMEOUT_MS.schema.parse(undefined),
  keepAliveTimeoutMs: CONFIG_VARIABLES.REVMESH_HTTP_KEEP_ALIVE_TIMEOUT_MS.schema.parse(undefined),
  maxConnections: CONFIG_VARIABLES.REVMESH_HTTP_MAX_CONNECTIONS.schema.parse(undefined),
};

/** The configuration is invalid. The message lists every problem and how to fix each. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly { readonly variable: string; readonly message: string }[]) {
    super(
      `invalid authority configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p.variable} ${p.message}`).join('\n'),
    );
  }
}

const envSchema = z.object(
  Object.fromEntries(Object.entries(CONFIG_VARIABLES).map(([name, v]) => [name, v.schema])) as {
    [K in ConfigVariableName]: (typeof CONFIG_VARIABLES)[K]['schema'];
  },
);

/**
 * Rules spanning several variables. Checked on the raw values, so they are reported together
 * with every other problem instead of only once the rest is fixed.
 */
function crossFieldProblems(input: Readonly<Record<string, string | undefined>>): z.core.$ZodIssue[] {
  const given = (name: ConfigVariableName): boolean => (input[name] ?? '').trim() !== '';
  /** The parsed value (its default when unset), or undefined when it is invalid on its own (reported already). */
  const whole = (name: ConfigVariableName): number | undefined => {
    const parsed = CONFIG_VARIABLES[name].schema.safeParse(input[name]);
    return parsed.success && typeof parsed.data === 'number' ? parsed.data : undefined;
  };
  const problems: z.core.$ZodIssue[] = [];
  const period = whole('REVMESH_KEY_ROTATION_PERIOD_SECONDS');
  const lead = whole('REVMESH_KEY_PREPUBLISH_LEAD_SECONDS');
  const gate = whole('REVMESH_PROMOTION_GATE_TIMEOUT_MS');
  if (period !== undefined && lead !== undefined && lead >= period) {
    problems.push({
      code: 'custom',
      path: ['REVMESH_KEY_PREPUBLISH_LEAD_SECONDS'],
      message: `(${lead} s) must be shorter than REVMESH_KEY_ROTATION_PERIOD_SECONDS (${period} s), or a standby could never be promoted on time; lower the lead or lengthen the period`,
      input: undefined,
    });
  }
  if (period !== undefined && gate !== undefined && gate >= period * 1000) {
    problems.push({
      code: 'custom',
      path: ['REVMESH_PROMOTION_GATE_TIMEOUT_MS'],
      message: `(${gate} ms) must be shorter than REVMESH_KEY_ROTATION_PERIOD_SECONDS (${period} s), or rotations would pile up at the gate; lower the timeout or lengthen the period`,
      input: undefined,
    });
  }
  const requestTimeout = whole('REVMESH_HTTP_REQUEST_TIMEOUT_MS');
  const headersTimeout = whole('REVMESH_HTTP_HEADERS_TIMEOUT_MS');
  if (requestTimeout !== undefined && headersTimeout !== undefined && headersTimeout > requestTimeout) {
    problems.push({
      code: 'custom',
      path: ['REVMESH_HTTP_HEADERS_TIMEOUT_MS'],
      message: `(${headersTimeout} ms) must not exceed REVMESH_HTTP_REQUEST_TIMEOUT_MS (${requestTimeout} ms), which covers the headers too; lower it or raise the request timeout`,
      input: undefined,
    });
  }
  const leaseTtl = whole('REVMESH_LEASE_TTL_MS');
  const leaseRenew = whole('REVMESH_LEASE_RENEW_MS');
  if (leaseTtl !== undefined && leaseRenew !== undefined) {
    try {
      resolveLeaseTimings({ ttlMs: leaseTtl, renewMs: leaseRenew });
    } catch (error) {
      problems.push({ code: 'custom', path: ['REVMESH_LEASE_RENEW_MS'], message: `(${leaseRenew} ms) does not fit REVMESH_LEASE_TTL_MS (${leaseTtl} ms): ${(error as Error).message}`, input: undefined });
    }
  }
  if (input['REVMESH_DEMO']?.trim() === 'true' && !given('REVMESH_DEMO_CLIENT_SECRET')) {
    problems.push({
      code: 'custom',
      path: ['REVMESH_DEMO_CLIENT_SECRET'],
      message: 'is required when REVMESH_DEMO=true',
      input: undefined,
    });
  }
  return problems;
}

/**
 * Validates the environment into an {@link AuthorityConfig}.
 *
 * @throws {ConfigError} listing every invalid or missing variable with its fix. Values are
 *   never echoed: several of them are secrets.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): AuthorityConfig {
  const input = Object.fromEntries(Object.keys(CONFIG_VARIABLES).map((name) => [name, env[name]]));
  const parsed = envSchema.safeParse(input);
  const issues = [...(parsed.success ? [] : parsed.error.issues), ...crossFieldProblems(input)];
  if (!parsed.success || issues.length > 0) {
    const problems = issues.map((issue) => {
      const variable = String(issue.path[0] ?? '(environment)');
      const fix = (CONFIG_VARIABLES as Record<string, { fix: string } | undefined>)[variable]?.fix;
      return { variable, message: fix === undefined ? issue.message : `${issue.message}: ${fix}` };
    });
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    kafkaBrokers: e.KAFKA_BROKERS,
    ...(e.KAFKA_REPLICATION_FACTOR === undefined ? {} : { kafkaReplicationFactor: e.KAFKA_REPLICATION_FACTOR }),
    dataDir: e.REVMESH_DATA_DIR,
    ...(e.REVMESH_DATABASE_URL === undefined
      ? {}
      : { database: { url: e.REVMESH_DATABASE_URL, statementTimeoutMs: e.REVMESH_DATABASE_STATEMENT_TIMEOUT_MS, connectTimeoutMs: e.REVMESH_DATABASE_CONNECT_TIMEOUT_MS } }),
    issuer: e.REVMESH_ISSUER,
    ...(e.REVMESH_BOOTSTRAP_TOKEN === undefined ? {} : { bootstrapToken: e.REVMESH_BOOTSTRAP_TOKEN }),
    kek: e.REVMESH_KEK,
    topicPrefix: e.REVMESH_TOPIC_PREFIX,
    accessTokenTtlSeconds: e.REVMESH_ACCESS_TOKEN_TTL_SECONDS,
    ...(e.REVMESH_DEMO && e.REVMESH_DEMO_CLIENT_SECRET !== undefined
      ? {
          demo: {
            clientId: e.REVMESH_DEMO_CLIENT_ID,
            clientSecret: e.REVMESH_DEMO_CLIENT_SECRET,
            audience: e.REVMESH_DEMO_AUDIENCE,
          },
        }
      : {}),
    outboxPollMs: e.REVMESH_OUTBOX_POLL_MS,
    ssfReceiverPollMs: e.REVMESH_SSF_POLL_INTERVAL_MS,
    heartbeatMs: e.REVMESH_AUTHORITY_HEARTBEAT_MS,
    topicCheckMs: e.REVMESH_TOPIC_CHECK_MS,
    snapshotIntervalMs: e.REVMESH_SNAPSHOT_INTERVAL_MS,
    lease: { ttlMs: e.REVMESH_LEASE_TTL_MS, renewMs: e.REVMESH_LEASE_RENEW_MS },
    relayTransactions: e.REVMESH_RELAY_TRANSACTIONS,
    anomalies: {
      dedupWindowMs: e.REVMESH_ANOMALY_DEDUP_WINDOW_MS,
      revokedUseMin: e.REVMESH_ANOMALY_REVOKED_USE_MIN,
      jtiWindowMs: e.REVMESH_ANOMALY_JTI_WINDOW_MS,
      jtiInstances: e.REVMESH_ANOMALY_JTI_INSTANCES,
      jtiAddresses: e.REVMESH_ANOMALY_JTI_ADDRESSES,
      authFailureFactor: e.REVMESH_ANOMALY_AUTH_FAILURE_FACTOR,
      authFailureMinPerMinute: e.REVMESH_ANOMALY_AUTH_FAILURE_MIN_PER_MINUTE,
      massInvalidationFactor: e.REVMESH_ANOMALY_MASS_INVALIDATION_FACTOR,
      massInvalidationMinPerMinute: e.REVMESH_ANOMALY_MASS_INVALIDATION_MIN_PER_MINUTE,
    },
    logLevel: e.REVMESH_LOG_LEVEL,
    rotation: {
      periodSeconds: e.REVMESH_KEY_ROTATION_PERIOD_SECONDS,
      prepublishLeadSeconds: e.REVMESH_KEY_PREPUBLISH_LEAD_SECONDS,
      promotionGateTimeoutMs: e.REVMESH_PROMOTION_GATE_TIMEOUT_MS,
      checkIntervalMs: e.REVMESH_ROTATION_CHECK_INTERVAL_MS,
      eventSignerOverlapSeconds: e.REVMESH_EVENT_SIGNER_OVERLAP_SECONDS,
    },
    eventSignerReset: e.REVMESH_EVENT_SIGNER_RESET,
    ...(e.REVMESH_POLICY_FILE === undefined ? {} : { policyFile: e.REVMESH_POLICY_FILE }),
    ...(e.REVMESH_TRUSTED_PROXIES === undefined || e.REVMESH_TRUSTED_PROXIES.length === 0 ? {} : { trustedProxies: e.REVMESH_TRUSTED_PROXIES }),
    http: {
      requestTimeoutMs: e.REVMESH_HTTP_REQUEST_TIMEOUT_MS,
      headersTimeoutMs: e.REVMESH_HTTP_HEADERS_TIMEOUT_MS,
      keepAliveTimeoutMs: e.REVMESH_HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: e.REVMESH_HTTP_MAX_CONNECTIONS,
    },
    ssfTransmitter: { allowInsecurePushUrls: e.REVMESH_SSF_ALLOW_INSECURE_PUSH, pushBackoffMaxMs: e.REVMESH_SSF_PUSH_BACKOFF_MAX_MS },
    dpop: { maxProofAgeSeconds: e.REVMESH_DPOP_PROOF_MAX_AGE_SECONDS, ...(e.REVMESH_DPOP_NONCE_SECRET === undefined ? {} : { nonceSecret: e.REVMESH_DPOP_NONCE_SECRET }) },
    comms: { retryInitialMs: e.REVMESH_COMMS_RETRY_INITIAL_MS, retryMaxMs: Math.max(e.REVMESH_COMMS_RETRY_MAX_MS, e.REVMESH_COMMS_RETRY_INITIAL_MS), maxAttempts: e.REVMESH_COMMS_MAX_ATTEMPTS },
    storeRetention: {
      publishedOutboxMs: e.REVMESH_OUTBOX_RETENTION_SECONDS * 1000,
      expiredRevocationMs: e.REVMESH_EXPIRED_REVOCATION_RETENTION_SECONDS * 1000,
      goneInstanceMs: e.REVMESH_GONE_INSTANCE_RETENTION_SECONDS * 1000,
      intervalMs: e.REVMESH_STORE_RETENTION_INTERVAL_MS,
    },
  };
}
