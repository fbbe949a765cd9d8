import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { createSidecar, type Sidecar, type SidecarLogger, type SidecarOptions } from '@revmesh/sidecar';
import { sidecarOptionsOf } from './config/sidecar-options';
import type { StandaloneSidecarConfig } from './config/standalone-config';
import { createAuthServer } from './http/auth-server';

/** The sidecar library behind an authorization endpoint: what `revmesh-sidecar` runs. */
export interface StandaloneSidecar {
  readonly sidecar: Sidecar;
  readonly server: FastifyInstance;
  /** Listens (health answers "starting"), starts the sidecar, resolves with the address once it is coherent. */
  start(): Promise<string>;
  /** Stops taking requests (in-flight ones finish), then closes the sidecar. Idempotent. */
  close(): Promise<void>;
}

export interface StandaloneSidecarDeps {
  readonly logger: SidecarLogger;
  readonly metricsHandler?: (request: IncomingMessage, response: ServerResponse) => void;
  /** Instead of Kafka (`config.brokers`): tests pass an in-memory transport. */
  readonly transport?: SidecarOptions['transport'];
}

/** Wires the two parts in start order; `close` undoes them in reverse. Throws the library's `TypeError` for bad sidecar options. */
export function createStandaloneSidecar(config: StandaloneSidecarConfig, deps: StandaloneSidecarDeps): StandaloneSidecar {
  const sidecar = createSidecar(sidecarOptionsOf(config, deps.logger, deps.transport));
  const server = createAuthServer({ config, sidecar, logger: deps.logger, ...(deps.metricsHandler ? { metricsHandler: deps.metricsHandler } : {}) });
  let closing: Promise<void> | undefined;
  return {
    sidecar,
    server,
    async start() {
      const address = await server.listen({ host: config.host, port: config.port });
      await sidecar.start();
      await sidecar.ready;
      return address;
    },
    close() {
      closing ??= (async () => {
        await server.close();
        await sidecar.close();
      })();
      return closing;
    },
  };
}
