import { createSidecar, type EventSignerJwk, type Sidecar } from '@revmesh/sidecar';
import type { AuthorityHandle } from './authority-process';

/** The event signers the authority publishes (trust-on-first-use for tests; production pins them). */
export async function fetchEventSigners(authority: AuthorityHandle): Promise<EventSignerJwk[]> {
  const response = await fetch(`${authority.url}/.well-known/revmesh-event-signers.json`);
  const body = (await response.json()) as { keys: EventSignerJwk[] };
  return body.keys;
}

/** Starts `count` sidecars against the authority and waits until each is ready. */
export async function startSidecars(
  authority: AuthorityHandle,
  count: number,
  overrides: Partial<Parameters<typeof createSidecar>[0]> = {},
): Promise<Sidecar[]> {
  const eventSigners = await fetchEventSigners(authority);
  const sidecars = Array.from({ length: count }, (_, i) =>
    createSidecar({
      issuer: authority.url,
      audience: 'demo-api',
      eventSigners,
      heartbeatIntervalMs: 1000,
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
