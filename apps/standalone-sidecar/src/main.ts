#!/usr/bin/env node
// revmesh-sidecar: telemetry first, so the OpenTelemetry SDK is registered (and http instrumented)
// before fastify and the sidecar load; everything else is imported dynamically once it runs.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { startNodeTelemetry } from '@revmesh/telemetry';
import { loadStandaloneConfig, STANDALONE_DEFAULTS, type StandaloneSidecarConfig } from './config/standalone-config';

/** Same shape as the sidecar's default id; chosen here so the metrics resource and the sidecar share it. */
const instanceIdFor = (config: StandaloneSidecarConfig): string =>
  config.instanceId ?? `${hostname().replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 120) || 'host'}-${process.pid}-${randomBytes(4).toString('hex')}`;

async function main(): Promise<void> {
  let config: StandaloneSidecarConfig;
  try {
    config = loadStandaloneConfig(process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
  const instanceId = instanceIdFor(config);
  const telemetry = startNodeTelemetry({ serviceName: 'revmesh-sidecar', serviceInstanceId: instanceId });
  const { createJsonLogger } = await import('@revmesh/sidecar');
  const { explainOptionsError } = await import('./config/sidecar-options.js');
  const { createStandaloneSidecar } = await import('./standalone-sidecar.js');
  const logger = createJsonLogger({ level: config.logLevel, base: { component: 'revmesh-sidecar', instance_id: instanceId } });
  let standalone: ReturnType<typeof createStandaloneSidecar>;
  try {
    standalone = createStandaloneSidecar({ ...config, instanceId }, { logger, metricsHandler: telemetry.metricsHandler });
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    process.stderr.write(`invalid revmesh-sidecar configuration: ${explainOptionsError(error.message)}\n`);
    await telemetry.shutdown().catch(() => undefined);
    process.exit(2);
  }
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info(`received ${signal}, shutting down`);
    // Bounded: a sidecar still connecting to an unreachable broker may not finish closing.
    setTimeout(() => {
      logger.error(`shutdown did not finish within ${STANDALONE_DEFAULTS.shutdownTimeoutMs} ms; exiting`);
      process.exit(1);
    }, STANDALONE_DEFAULTS.shutdownTimeoutMs).unref();
    await standalone.close();
    await telemetry.shutdown().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  let address: string;
  try {
    address = await standalone.start();
  } catch (error) {
    // A SIGTERM while starting closes the sidecar, which ends the wait for readiness: not a failure.
    if (closing) return;
    throw error;
  }
  process.stdout.write(`revmesh-sidecar ${instanceId} ready on ${address}${config.authPath}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`revmesh-sidecar failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
