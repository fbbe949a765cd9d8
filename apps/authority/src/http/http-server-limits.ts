import type { Server } from 'node:http';

/** Timeouts and the connection cap of the authority's HTTP server (REVMESH_HTTP_*; defaults in config.variables.ts). */
export interface HttpServerLimits {
  /** Whole request, headers and body, ms. */
  readonly requestTimeoutMs: number;
  /** Request headers, ms; at most `requestTimeoutMs`. */
  readonly headersTimeoutMs: number;
  /** Idle keep-alive connection between requests, ms. */
  readonly keepAliveTimeoutMs: number;
  /** Connections open at once. */
  readonly maxConnections: number;
}

/**
 * Node checks the request and header timeouts of open connections on a timer (30 s by default),
 * so a slow client would hold its socket up to 30 s past its deadline: checking every second keeps
 * the bound close to the configured value at the cost of one timer.
 */
const CONNECTIONS_CHECKING_INTERVAL_MS = 1000;

/**
 * Fastify server options for the limits. Fastify's own default request timeout is 0 (none), which
 * lets a client that declares a body and never sends it hold a connection and a file handle
 * forever; this sets every bound explicitly.
 */
export function fastifyServerLimits(limits: HttpServerLimits) {
  return {
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Socket inactivity: no byte either way for this long ends the connection.
    connectionTimeout: limits.requestTimeoutMs + limits.keepAliveTimeoutMs,
    http: { headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS },
  } as const;
}

/** The connection cap lives on the listening server itself, not in Fastify's options. */
export function applyConnectionLimit(server: Pick<Server, 'maxConnections'>, limits: HttpServerLimits): void {
  server.maxConnections = limits.maxConnections;
}
