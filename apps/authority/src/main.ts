// Telemetry first: the HTTP instrumentation patches `http` when it is required, so the SDK must
// be running before Nest and Fastify are loaded. Everything else is imported lazily below.
import { hostname } from 'node:os';
import { startNodeTelemetry } from '@revmesh/telemetry';

const telemetry = startNodeTelemetry({ serviceName: 'revmesh-authority', serviceInstanceId: `${hostname()}-${process.pid}` });

type Bootstrap = typeof import('./bootstrap');
type Config = typeof import('./config/config');
type Core = typeof import('@revmesh/authority-core');

/** Exits non-zero with one clear message, no stack trace, for failures an operator can fix. */
function fail(message: string): never {
  process.stderr.write(`revmesh authority: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ConfigError, loadConfig } = require('./config/config') as Config;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { bootstrapAuthority } = require('./bootstrap') as Bootstrap;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { AuthorityError, KeyUnwrapError, PolicyInvalidError } = require('@revmesh/authority-core') as Core;
  let config: import('./config/config').AuthorityConfig;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }

  let authority: import('./bootstrap').RunningAuthority;
  try {
    authority = await bootstrapAuthority(config, { metricsHandler: telemetry.metricsHandler });
  } catch (error) {
    if (error instanceof KeyUnwrapError) {
      fail(`cannot open the signing key with REVMESH_KEK: ${error.message}`);
    }
    if (error instanceof PolicyInvalidError) {
      fail(`the security policy is invalid, not starting (fix the file in REVMESH_POLICY_FILE or the setting named):\n  ${error.message.split('\n').join('\n  ')}`);
    }
    if (error instanceof AuthorityError) fail(`${error.code}: ${error.message}`);
    if ((error as { code?: unknown }).code === 'EADDRINUSE') {
      fail(`${config.host}:${config.port} is already in use: stop the other process or set PORT to a free port`);
    }
    throw error;
  }
  // The readiness line: scripts and tests wait for it on stdout.
  process.stdout.write(`revmesh authority listening on ${authority.url}\n`);

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`revmesh authority: ${signal} received, shutting down\n`);
    authority
      .close()
      .then(() => telemetry.shutdown().catch(() => undefined))
      .then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`revmesh authority: shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`revmesh authority: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
