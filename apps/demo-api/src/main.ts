// Telemetry first: the OpenTelemetry SDK must be registered (and http instrumented) before fastify
// and the sidecar are loaded, so everything below is imported dynamically once it runs.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { startNodeTelemetry, type NodeTelemetry } from '@revmesh/telemetry';
import { loadDemoApiConfig, type DemoApiConfig } from './config/demo-api-config';

/** Same shape as the sidecar's default id; chosen here so the metrics resource and the sidecar share it. */
const instanceIdFor = (config: DemoApiConfig): string =>
  config.instanceId ?? `${hostname().replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 120) || 'host'}-${process.pid}-${randomBytes(4).toString('hex')}`;

async function main(): Promise<void> {
  let config: DemoApiConfig;
  try {
    config = loadDemoApiConfig(process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
  const instanceId = instanceIdFor(config);
  const telemetry: NodeTelemetry = startNodeTelemetry({ serviceName: 'revmesh-demo-api', serviceInstanceId: instanceId });
  const { createJsonLogger } = await import('@revmesh/sidecar');
  const { fetchEventSigners } = await import('./config/event-signers.js');
  const { createDemoApi } = await import('./demo-api.js');
  const logger = createJsonLogger({ level: 'warn', base: { component: 'demo-api', instance_id: instanceId } });
  // Pinned anchors win; otherwise trust on first use, once, with a warning.
  const eventSigners = config.eventSigners ?? (await fetchEventSigners({ authorityUrl: config.authorityUrl, logger }));
  // The drill switch needs the broker connection in hand: a transport of our own, severable.
  const drillTransport = config.drillSwitchUnsafe ? await openDrillTransport(config, instanceId, logger) : undefined;
  if (drillTransport) logger.warn('REVMESH_DRILL_SWITCH_UNSAFE: anyone reaching this port can cut the instance off the broker (POST /_revmesh/drill/cut-off)', {});
  const api = createDemoApi(
    { ...config, instanceId },
    { eventSigners, metricsHandler: telemetry.metricsHandler, ...(drillTransport ? { transport: drillTransport, drillSwitch: drillTransport } : {}) },
  );
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    process.stdout.write(`demo-api received ${signal}, shutting down\n`);
    await api.close();
    await drillTransport?.close().catch(() => undefined);
    await telemetry.shutdown().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  const address = await api.start();
  process.stdout.write(`revmesh demo-api ${api.sidecar.stats().instanceId} ready on ${address}\n`);
}

async function openDrillTransport(config: DemoApiConfig, instanceId: string, logger: import('@revmesh/sidecar').SidecarLogger) {
  const { createKafkaTransport } = await import('@revmesh/transport');
  const { severableTransport } = await import('./drill/severable-transport.js');
  return severableTransport(createKafkaTransport({ brokers: config.brokers, clientId: `revmesh-sidecar-${instanceId}`, logger }));
}

main().catch((error: unknown) => {
  process.stderr.write(`demo-api failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
