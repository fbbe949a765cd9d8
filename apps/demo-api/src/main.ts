import { createJsonLogger } from '@revmesh/sidecar';
import { loadDemoApiConfig } from './config/demo-api-config';
import { fetchEventSigners } from './config/event-signers';
import { createDemoApi } from './demo-api';

async function main(): Promise<void> {
  let config;
  try {
    config = loadDemoApiConfig(process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
  const logger = createJsonLogger({ level: 'warn', base: { component: 'demo-api' } });
  // Pinned anchors win; otherwise trust on first use, once, with a warning.
  const eventSigners = config.eventSigners ?? (await fetchEventSigners({ authorityUrl: config.authorityUrl, logger }));
  const api = createDemoApi(config, { eventSigners });
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    process.stdout.write(`demo-api received ${signal}, shutting down\n`);
    await api.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  const address = await api.start();
  process.stdout.write(`revmesh demo-api ${api.sidecar.stats().instanceId} ready on ${address}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`demo-api failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
