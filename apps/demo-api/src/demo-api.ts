import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import type { EventSignerJwk } from '@revmesh/contracts';
import { createSidecar, sidecarReadiness, type Sidecar, type SidecarLogger, type SidecarOptions } from '@revmesh/sidecar';
import { DRILL_PROBE_PATH, revmeshFastify, revmeshFastifyDrillProbe } from '@revmesh/sidecar/fastify';
import type { DemoApiConfig } from './config/demo-api-config';
import type { SeverableTransport } from './drill/severable-transport';
import { DEFAULT_SERVER_LIMITS, serverOptions } from './http/server-limits';

export interface DemoApi {
  readonly app: FastifyInstance;
  readonly sidecar: Sidecar;
  /** Listens, starts the sidecar and resolves once it is coherent with the authority. */
  start(): Promise<string>;
  close(): Promise<void>;
}

export interface DemoApiDeps {
  /** The trust anchors: from `config.eventSigners`, or fetched at boot (see `main.ts`). */
  readonly eventSigners: readonly EventSignerJwk[];
  /** Instead of Kafka (`config.brokers`): tests pass an in-memory transport. */
  readonly transport?: SidecarOptions['transport'];
  readonly logger?: SidecarLogger;
  /** Serves Prometheus text (from `startNodeTelemetry`); mounted at `GET /metrics` when given. */
  readonly metricsHandler?: (request: IncomingMessage, response: ServerResponse) => void;
  /**
   * A breach drill's switch cutting this instance off the broker (`REVMESH_DRILL_SWITCH_UNSAFE`):
   * mounted, unauthenticated, at `POST /_revmesh/drill/cut-off` and `/_revmesh/drill/restore`
   * when given. Never in production: anyone who reaches the port can make the instance stale.
   */
  readonly drillSwitch?: Pick<SeverableTransport, 'sever' | 'restore' | 'severed'>;
}

/**
 * A small service protected by the sidecar, as a backend team would write it. Used by the demo,
 * the end-to-end tests and the benchmarks. Keys come from the keys topic (the sidecar's default):
 * no JWKS request, ever.
 */
export function createDemoApi(config: DemoApiConfig, deps: DemoApiDeps): DemoApi {
  const sidecar = createSidecar({
    issuer: config.issuer,
    audience: config.audience,
    eventSigners: deps.eventSigners,
    ...(deps.transport ? { transport: deps.transport } : { brokers: config.brokers }),
    topicPrefix: config.topicPrefix,
    ...(config.instanceId ? { instanceId: config.instanceId } : {}),
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(config.maxSilenceMs !== undefined ? { staleness: { maxSilenceMs: config.maxSilenceMs } } : {}),
    ...(config.issuers === undefined ? {} : { issuers: config.issuers as unknown as NonNullable<SidecarOptions['issuers']> }),
  });
  const limits = config.http ?? DEFAULT_SERVER_LIMITS;
  const app = Fastify({ logger: false, ...serverOptions(limits) });
  const protect = revmeshFastify(sidecar);
  // Demonstrates a per-route policy: this route keeps serving while the sidecar is stale (counted and logged).
  const protectFailOpen = revmeshFastify(sidecar, { stalePolicy: 'fail-open-UNSAFE' });

  app.get('/healthz', async (_request, reply) => {
    const stats = sidecar.stats();
    return reply.code(stats.ready ? 200 : 503).send({ status: stats.ready ? 'ok' : 'starting', instance_id: stats.instanceId });
  });
  // Liveness: the process answers. Restarting it would not cure staleness, so this never looks at it.
  app.get('/health/live', async () => ({ status: 'ok', instance_id: sidecar.instanceId }));
  // Readiness: caught up with the authority and not stale; a load balancer stops routing here otherwise.
  app.get('/health/ready', async (_request, reply) => {
    const { httpStatus, body } = sidecarReadiness(sidecar.stats());
    return reply.code(httpStatus).send(body);
  });
  const metricsHandler = deps.metricsHandler;
  if (metricsHandler) {
    app.get('/metrics', (request, reply) => {
      // The exporter writes the raw response itself.
      reply.hijack();
      metricsHandler(request.raw, reply.raw);
    });
  }

  // Demo introspection: when did this instance apply a revocation, and how long after the authority issued it.
  app.get<{ Params: { id: string } }>('/_revmesh/revocations/:id', async (request, reply) => {
    const applied = sidecar.appliedRevocation(request.params.id);
    if (!applied) return reply.code(404).send({ applied: false, instance_id: sidecar.stats().instanceId });
    return { applied: true, instance_id: sidecar.stats().instanceId, ...applied };
  });
  app.get('/_revmesh/stats', async () => sidecar.stats());
  // Demo introspection: which token-signing keys this instance holds, in which state, and whom it trusts to sign events.
  app.get('/_revmesh/keys', async () => {
    const stats = sidecar.stats();
    return { instance_id: stats.instanceId, ...stats.keySet, trusted_signers: stats.trustedSigners };
  });

  // The probe a breach drill (`revmesh drill run`) sends its canary tokens to: the sidecar's own
  // probe route, protected like any route (fail closed when stale), saying which instance accepted the token.
  app.get(DRILL_PROBE_PATH, revmeshFastifyDrillProbe(sidecar));
  const drillSwitch = deps.drillSwitch;
  if (drillSwitch) {
    app.post('/_revmesh/drill/cut-off', async () => {
      drillSwitch.sever();
      return { instance_id: sidecar.stats().instanceId, cut_off: drillSwitch.severed };
    });
    app.post('/_revmesh/drill/restore', async () => {
      drillSwitch.restore();
      return { instance_id: sidecar.stats().instanceId, cut_off: drillSwitch.severed };
    });
  }

  app.get('/v1/hello', { onRequest: protect }, async (request) => {
    const claims = (request as unknown as { revmesh?: { claims: { sub?: string } } }).revmesh?.claims;
    return { hello: claims?.sub ?? null, instance_id: sidecar.stats().instanceId };
  });

  app.get('/v1/hello-open', { onRequest: protectFailOpen }, async (request) => {
    const claims = (request as unknown as { revmesh?: { claims: { sub?: string } } }).revmesh?.claims;
    return { hello: claims?.sub ?? null, instance_id: sidecar.stats().instanceId, stale_policy: 'fail-open-UNSAFE' };
  });

  return {
    app,
    sidecar,
    async start() {
      const address = await app.listen({ port: config.port, host: config.host });
      app.server.maxConnections = limits.maxConnections;
      await sidecar.start();
      await sidecar.ready;
      return address;
    },
    async close() {
      await app.close();
      await sidecar.close();
    },
  };
}
