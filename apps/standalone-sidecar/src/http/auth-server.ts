import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { sidecarReadiness, type RevmeshRequestContext, type Sidecar, type SidecarLogger, type StalePolicy, type VerifyFailure } from '@revmesh/sidecar';
import { DRILL_PROBE_PATH, revmeshFastify, revmeshFastifyDrillProbe } from '@revmesh/sidecar/fastify';
import { PROBLEM_HEADER, type StandaloneSidecarConfig } from '../config/standalone-config';
import { claimHeaders } from './claim-headers';
import { originalRequest, originalUrl } from './forwarded-request';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the revmesh hook once the token is verified. */
    revmesh?: RevmeshRequestContext | null;
    /** Set by the revmesh hook when the token (or the sidecar's state) is refused. */
    revmeshFailure?: VerifyFailure | null;
  }
}

export interface AuthServerOptions {
  readonly config: Pick<StandaloneSidecarConfig, 'authPath' | 'failOpenUnsafeAuthPath' | 'claimHeaders' | 'codeHeader' | 'trustedProxies' | 'stalePolicy' | 'logLevel'>;
  readonly sidecar: Sidecar;
  readonly logger: SidecarLogger;
  /** Serves Prometheus text (from `startNodeTelemetry`); mounted at `GET /metrics` when given. */
  readonly metricsHandler?: (request: IncomingMessage, response: ServerResponse) => void;
}

/** JSON with every non-ASCII character escaped, so it fits in a header value unchanged in meaning. */
const asciiJson = (json: string): string => json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * The HTTP face of `revmesh-sidecar`:
 * - `<authPath>` and anything below it, any method: the authorization sub-request of nginx
 *   `auth_request`, Envoy HTTP `ext_authz` (original path appended) or Traefik `ForwardAuth`.
 *   The `Authorization: Bearer` token (or `DPoP` token with its `DPoP` proof, checked against the
 *   original method and URL the proxy forwards) is verified by the library's Fastify hook, so the answers
 *   are the library adapters' own: 200 with the configured claim headers, or 401/503
 *   problem+json (with `WWW-Authenticate` on 401) plus the code header and the problem document
 *   in `X-Revmesh-Problem`. Answered from `onRequest`: no body is ever read.
 * - `GET /_revmesh/probe`: a breach drill's probe (`revmesh drill run --probe-url`), verified like
 *   `<authPath>` (same stale policy, same refusals with the code header): 200
 *   `{ accepted, instance_id, sub, scope }` tells the drill which instance accepted its token.
 * - `GET /health/live`, `GET /health/ready` (503 while starting or stale), `GET /metrics`.
 */
export function createAuthServer(options: AuthServerOptions): FastifyInstance {
  const { config, sidecar, logger } = options;
  const app = Fastify({ logger: false, trustProxy: [...config.trustedProxies], bodyLimit: 16 * 1024 });
  app.decorateRequest('revmesh', null);
  app.decorateRequest('revmeshFailure', null);
  const mapping = Object.entries(config.claimHeaders);
  const debug = config.logLevel === 'debug';

  const allow = (request: FastifyRequest, reply: FastifyReply, _done: () => void): void => {
    // The previous hook set the claims; answering here, in onRequest, means no body is parsed.
    const claims = request.revmesh?.claims;
    if (claims === undefined) {
      void reply.code(500).send();
      return;
    }
    for (const [name, value] of claimHeaders(claims, mapping)) void reply.header(name, value);
    void reply.code(200).header('cache-control', 'no-store').send();
  };
  const labelRejection = (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void): void => {
    const failure = request.revmeshFailure;
    if (failure) {
      void reply.header(config.codeHeader, failure.code);
      // nginx does not pass a sub-request's body on; this header lets it answer with the same document.
      if (typeof payload === 'string') void reply.header(PROBLEM_HEADER, asciiJson(payload));
    }
    done(null, payload);
  };
  // The fail-open endpoint, when configured, differs only in its stale policy; the proxy chooses it per location.
  const endpoints: { path: string; stalePolicy: StalePolicy }[] = [{ path: config.authPath, stalePolicy: config.stalePolicy }];
  if (config.failOpenUnsafeAuthPath !== undefined) endpoints.push({ path: config.failOpenUnsafeAuthPath, stalePolicy: 'fail-open-UNSAFE' });
  for (const endpoint of endpoints) {
    const verify = revmeshFastify(sidecar, {
      stalePolicy: endpoint.stalePolicy,
      // A DPoP proof names the client's request, not this sub-request: read it from the proxy's headers.
      requestTarget(request) {
        const fastifyRequest = request as FastifyRequest;
        const original = originalRequest(fastifyRequest.headers, fastifyRequest.method, fastifyRequest.url, endpoint.path);
        return { method: original.method, url: originalUrl(fastifyRequest.headers, fastifyRequest.protocol, original.uri) };
      },
      onRejected(failure, request) {
        const fastifyRequest = request as FastifyRequest;
        fastifyRequest.revmeshFailure = failure;
        // The original method and URI only matter to this debug line: not computed otherwise.
        if (debug) {
          const original = originalRequest(fastifyRequest.headers, fastifyRequest.method, fastifyRequest.url, endpoint.path);
          logger.debug('request refused', { code: failure.code, method: original.method, uri: original.uri, address: fastifyRequest.ip });
        }
      },
    });
    for (const url of [endpoint.path, `${endpoint.path}/*`]) {
      app.all(url, { onRequest: [verify, allow], onSend: labelRejection }, async (_request, reply) => reply.code(500).send());
    }
  }

  // A drill probes the sidecar itself (the proxy in front only forwards its answer), so the path is its own.
  if (!endpoints.some((endpoint) => endpoint.path === DRILL_PROBE_PATH)) {
    const probe = revmeshFastifyDrillProbe(sidecar, {
      stalePolicy: config.stalePolicy,
      onRejected: (failure, request) => {
        (request as FastifyRequest).revmeshFailure = failure;
      },
    });
    app.get(DRILL_PROBE_PATH, { onRequest: probe.onRequest, onSend: labelRejection }, probe.handler);
  }

  // Liveness: the process answers. Restarting it would not cure staleness, so this never looks at it.
  app.get('/health/live', async () => ({ status: 'ok', instance_id: sidecar.instanceId }));
  // Readiness: caught up with the authority and not stale; take the proxy's traffic only then.
  app.get('/health/ready', async (_request, reply) => {
    const { httpStatus, body } = sidecarReadiness(sidecar.stats());
    return reply.code(httpStatus).send(body);
  });
  const metricsHandler = options.metricsHandler;
  if (metricsHandler) {
    app.get('/metrics', (request, reply) => {
      // The exporter writes the raw response itself.
      reply.hijack();
      metricsHandler(request.raw, reply.raw);
    });
  }
  return app;
}
