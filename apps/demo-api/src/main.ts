import { loadDemoApiConfig } from './config/demo-api-config';
import { createDemoApi } from './demo-api';

async function main(): Promise<void> {
  let config;
  try {
    config = loadDemoApiConfig(process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
  const api = createDemoApi(config);
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
