import { join } from 'node:path';
import { freePort, startServiceProcess, type ServiceProcess } from '@revmesh/test-support';
import { REPO_ROOT, type AuthorityHandle } from './authority-process';

/** A built demo-api (`apps/demo-api/dist/main.js`) running as a real process against `authority`. */
export interface DemoApiHandle {
  readonly url: string;
  readonly process: ServiceProcess;
}

/**
 * Starts a demo-api instance and resolves once its sidecar is ready. `extraEnv` adds to its
 * environment, e.g. `REVMESH_ISSUERS` to trust an OpenID provider's tokens too.
 */
export async function startDemoApi(authority: AuthorityHandle, instanceId: string, extraEnv: Readonly<Record<string, string>> = {}): Promise<DemoApiHandle> {
  const port = await freePort();
  const child = await startServiceProcess({
    name: instanceId,
    command: process.execPath,
    args: [join(REPO_ROOT, 'apps/demo-api/dist/main.js')],
    env: {
      PATH: process.env['PATH'],
      PORT: String(port),
      KAFKA_BROKERS: authority.env['KAFKA_BROKERS'],
      AUTHORITY_URL: authority.url,
      REVMESH_AUDIENCE: 'demo-api',
      REVMESH_TOPIC_PREFIX: authority.env['REVMESH_TOPIC_PREFIX'],
      REVMESH_INSTANCE_ID: instanceId,
      ...extraEnv,
    },
    readyLine: /ready on/,
    readyTimeoutMs: 60_000,
  });
  return { url: `http://127.0.0.1:${port}`, process: child };
}
