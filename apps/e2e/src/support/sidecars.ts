import { createSidecar, type Sidecar } from '@revmesh/sidecar';
import type { AuthorityHandle } from './authority-process';

/** Starts `count` sidecars against the authority and waits until each is ready. */
export async function startSidecars(
  authority: AuthorityHandle,
  count: number,
  overrides: Partial<Parameters<typeof createSidecar>[0]> = {},
): Promise<Sidecar[]> {
  const sidecars = Array.from({ length: count }, (_, i) =>
    createSidecar({
      issuer: authority.url,
      audience: 'demo-api',
      keys: { jwksUrl: `${authority.url}/.well-known/jwks.json` },
      brokers: authority.env['KAFKA_BROKERS']!.split(','),
      topicPrefix: authority.env['REVMESH_TOPIC_PREFIX']!,
      instanceId: `e2e-sidecar-${i + 1}`,
      ...overrides,
    }),
  );
  await Promise.all(sidecars.map((s) => s.start()));
  await Promise.all(sidecars.map((s) => s.ready));
  return sidecars;
}
