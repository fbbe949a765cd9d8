import type { ServerOptions } from 'node:http';

/** Timeouts (ms) and the connection cap of the demo API's HTTP server (REVMESH_HTTP_*). */
export interface ServerLimits {
  /** Whole request, headers and body. */
  readonly requestTimeoutMs: number;
  /** Request headers; at most `requestTimeoutMs`. */
  readonly headersTimeoutMs: number;
  /** Idle keep-alive connection between requests. */
  readonly keepAliveTimeoutMs: number;
  /** Connections open at once; more are refused at accept. */
  readonly maxConnections: number;
}

/** The authority's defaults: a service in front of users needs no looser bounds. */
export const DEFAULT_SERVER_LIMITS: ServerLimits = { requestTimeoutMs: 10_000, headersTimeoutMs: 5000, keepAliveTimeoutMs: 5000, maxConnections: 4096 };

/**
 * Fastify's own defaults leave a request without a deadline (`requestTimeout: 0`): a client that
 * declares a body and sends a few bytes of it holds a socket and a file handle for good. Every
 * bound is set here; Node checks the deadlines every second instead of every 30 s.
 */
export function serverOptions(limits: ServerLimits): {
  readonly requestTimeout: number;
  readonly keepAliveTimeout: number;
  readonly connectionTimeout: number;
  readonly http: ServerOptions;
} {
  return {
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // No byte either way for a request and a keep-alive wait: the socket is dead.
    connectionTimeout: limits.requestTimeoutMs + limits.keepAliveTimeoutMs,
    http: { headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: 1000 },
  };
}
