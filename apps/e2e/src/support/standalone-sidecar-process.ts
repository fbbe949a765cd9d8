import { join } from 'node:path';
import { freePort, startServiceProcess, type ServiceProcess } from '@revmesh/test-support';
import { REPO_ROOT, type AuthorityHandle } from './authority-process';
import { fetchEventSigners } from './sidecars';

/** A built revmesh-sidecar (`apps/standalone-sidecar/dist/main.js`) running as a real process against `authority`. */
export interface StandaloneSidecarHandle {
  /** `host:port` of its endpoint. */
  readonly address: string;
  readonly process: ServiceProcess;
}

/**
 * Starts revmesh-sidecar with the authority's event signers pinned in `REVMESH_EVENT_SIGNERS`
 * (as production does) and resolves once it is coherent with the authority.
 */
export async function startStandaloneSidecar(
  authority: AuthorityHandle,
  audiences: readonly string[],
  extraEnv: Readonly<Record<string, string>> = {},
): Promise<StandaloneSidecarHandle> {
  const port = await freePort();
  const child = await startServiceProcess({
    name: 'revmesh-sidecar',
    command: process.execPath,
    args: [join(REPO_ROOT, 'apps/standalone-sidecar/dist/main.js')],
    env: {
      PATH: process.env['PATH'],
      REVMESH_SIDECAR_PORT: String(port),
      KAFKA_BROKERS: authority.env['KAFKA_BROKERS'],
      REVMESH_ISSUER: authority.url,
      REVMESH_AUDIENCE: audiences.join(','),
      REVMESH_EVENT_SIGNERS: JSON.stringify({ keys: await fetchEventSigners(authority) }),
      REVMESH_TOPIC_PREFIX: authority.env['REVMESH_TOPIC_PREFIX'],
      REVMESH_LOG_LEVEL: 'info',
      ...extraEnv,
    },
    readyLine: /revmesh-sidecar .* ready on/,
    readyTimeoutMs: 60_000,
  });
  return { address: `127.0.0.1:${port}`, process: child };
}
