import { z } from 'zod';
import type { EventSignerJwk } from '@revmesh/contracts';
import { DEFAULT_SERVER_LIMITS, type ServerLimits } from '../http/server-limits';
import { parseEventSigners } from './event-signers';

/**
 * The demo API's configuration, from the environment. Defaults live here and in the README's
 * configuration reference (keep them in step).
 */
const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  HOST: z.string().min(1).default('127.0.0.1'),
  KAFKA_BROKERS: z.string().min(1, 'KAFKA_BROKERS is required: comma-separated host:port, e.g. 127.0.0.1:19092'),
  AUTHORITY_URL: z.url({ message: 'AUTHORITY_URL must be the authority base URL, e.g. http://127.0.0.1:8080' }),
  REVMESH_ISSUER: z.url().optional(),
  REVMESH_AUDIENCE: z.string().min(1).default('demo-api'),
  REVMESH_TOPIC_PREFIX: z.string().default('revmesh.'),
  REVMESH_INSTANCE_ID: z.string().min(1).max(200).optional(),
  REVMESH_EVENT_SIGNERS: z.string().optional(),
  /** Further trusted issuers (OpenID providers), JSON: the sidecar's `issuers` option. */
  REVMESH_ISSUERS: z.string().optional(),
  /** Staleness bound of the sidecar, ms (default: the sidecar's, 60000). */
  REVMESH_MAX_SILENCE_MS: z.coerce.number().int().min(1000).max(86_400_000).optional(),
  /**
   * `true` mounts the breach-drill switch that cuts this instance off the broker (POST
   * /_revmesh/drill/cut-off, /_revmesh/drill/restore), unauthenticated. Default false; demo and
   * drill rehearsals only.
   */
  REVMESH_DRILL_SWITCH_UNSAFE: z.enum(['true', 'false']).default('false'),
  /** HTTP server limits, ms and connections (defaults: the authority's). */
  REVMESH_HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(DEFAULT_SERVER_LIMITS.requestTimeoutMs),
  REVMESH_HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(DEFAULT_SERVER_LIMITS.headersTimeoutMs),
  REVMESH_HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(DEFAULT_SERVER_LIMITS.keepAliveTimeoutMs),
  REVMESH_HTTP_MAX_CONNECTIONS: z.coerce.number().int().min(16).max(1_000_000).default(DEFAULT_SERVER_LIMITS.maxConnections),
});

export interface DemoApiConfig {
  readonly port: number;
  readonly host: string;
  readonly brokers: string[];
  readonly authorityUrl: string;
  /** Defaults to AUTHORITY_URL: the authority's `iss` is its public base URL. */
  readonly issuer: string;
  readonly audience: string;
  readonly topicPrefix: string;
  readonly instanceId: string | undefined;
  /**
   * Trust anchors from `REVMESH_EVENT_SIGNERS` (a JSON array of public Ed25519 JWKs, or a JWKS).
   * Undefined when unset: the service then fetches them from the authority once at boot.
   */
  readonly eventSigners: readonly EventSignerJwk[] | undefined;
  /**
   * `REVMESH_ISSUERS`: further trusted issuers (e.g. Keycloak), a JSON array handed to the
   * sidecar's `issuers` option as given (the sidecar validates each at start). Undefined: only the
   * authority's tokens are accepted.
   */
  readonly issuers?: readonly Readonly<Record<string, unknown>>[];
  /** `REVMESH_MAX_SILENCE_MS`: the sidecar's `staleness.maxSilenceMs`; undefined = its default. */
  readonly maxSilenceMs: number | undefined;
  /** `REVMESH_DRILL_SWITCH_UNSAFE=true`: a breach drill may cut this instance off the broker. Default false. */
  readonly drillSwitchUnsafe?: boolean;
  /** `REVMESH_HTTP_*`: timeouts and the connection cap of the HTTP server. Default {@link DEFAULT_SERVER_LIMITS}. */
  readonly http?: ServerLimits;
}

/** Parses the environment or throws one error listing every bad variable. */
export function loadDemoApiConfig(env: NodeJS.ProcessEnv): DemoApiConfig {
  const parsed = schema.safeParse(env);
  const lines = parsed.success ? [] : parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  let eventSigners: EventSignerJwk[] | undefined;
  const signersJson = env['REVMESH_EVENT_SIGNERS'];
  if (signersJson !== undefined && signersJson !== '') {
    try {
      eventSigners = parseEventSigners(signersJson, 'REVMESH_EVENT_SIGNERS');
    } catch (error) {
      lines.push(`  ${(error as Error).message}`);
    }
  }
  let issuers: Readonly<Record<string, unknown>>[] | undefined;
  const issuersJson = env['REVMESH_ISSUERS'];
  if (issuersJson !== undefined && issuersJson !== '') {
    try {
      const value = JSON.parse(issuersJson) as unknown;
      if (!Array.isArray(value) || !value.every((item) => item !== null && typeof item === 'object' && !Array.isArray(item))) throw new TypeError('not an array of objects');
      issuers = value as Record<string, unknown>[];
    } catch {
      lines.push('  REVMESH_ISSUERS: must be a JSON array of issuers, e.g. [{"issuer":"https://sso.example.com/realms/acme","keys":{"discovery":true},"audience":"demo-api"}]');
    }
  }
  if (parsed.success && parsed.data.REVMESH_HTTP_HEADERS_TIMEOUT_MS > parsed.data.REVMESH_HTTP_REQUEST_TIMEOUT_MS) {
    lines.push('  REVMESH_HTTP_HEADERS_TIMEOUT_MS: must not exceed REVMESH_HTTP_REQUEST_TIMEOUT_MS, which covers the headers too');
  }
  if (!parsed.success || lines.length > 0) {
    throw new Error(`invalid demo-api configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const authorityUrl = c.AUTHORITY_URL.replace(/\/+$/, '');
  return {
    port: c.PORT,
    host: c.HOST,
    brokers: c.KAFKA_BROKERS.split(',').map((b) => b.trim()).filter(Boolean),
    authorityUrl,
    issuer: c.REVMESH_ISSUER ?? authorityUrl,
    audience: c.REVMESH_AUDIENCE,
    topicPrefix: c.REVMESH_TOPIC_PREFIX,
    instanceId: c.REVMESH_INSTANCE_ID,
    eventSigners,
    ...(issuers === undefined ? {} : { issuers }),
    maxSilenceMs: c.REVMESH_MAX_SILENCE_MS,
    drillSwitchUnsafe: c.REVMESH_DRILL_SWITCH_UNSAFE === 'true',
    http: {
      requestTimeoutMs: c.REVMESH_HTTP_REQUEST_TIMEOUT_MS,
      headersTimeoutMs: c.REVMESH_HTTP_HEADERS_TIMEOUT_MS,
      keepAliveTimeoutMs: c.REVMESH_HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: c.REVMESH_HTTP_MAX_CONNECTIONS,
    },
  };
}
