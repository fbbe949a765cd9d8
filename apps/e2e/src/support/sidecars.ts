import { createSidecar, type EventSignerJwk, type Sidecar } from '@revmesh/sidecar';
import type { AuthorityHandle } from './authority-process';
import { eventually } from './wait';

/** The event signers the authority publishes (trust-on-first-use for tests; production pins them). */
export async function fetchEventSigners(authority: AuthorityHandle): Promise<EventSignerJwk[]> {
  const response = await fetch(`${authority.url}/.well-known/revmesh-event-signers.json`);
  const body = (await response.json()) as { keys: EventSignerJwk[] };
  return body.keys;
}

/** The number of outbox rows the authority has not published yet (`GET /healthz`). */
async function outboxPending(authority: AuthorityHandle): Promise<number> {
  const response = await fetch(`${authority.url}/healthz`);
  return ((await response.json()) as { outbox_pending: number }).outbox_pending;
}

/**
 * Starts `count` sidecars against the authority and waits until each is ready. Against an
 * authority on PostgreSQL it first waits until the authority has published what its outbox held
 * (its key set): there the relay starts only once the authority has taken the leader lease, after
 * it listens, and a sidecar ready before the keys topic has them would refuse every token.
 */
export async function startSidecars(
  authority: AuthorityHandle,
  count: number,
  overrides: Partial<Parameters<typeof createSidecar>[0]> = {},
): Promise<Sidecar[]> {
  if (authority.env['REVMESH_DATABASE_URL'] !== undefined) await eventually('the authority published its outbox', async () => (await outboxPending(authority)) === 0, 30_000);
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
