import { randomUUID } from 'node:crypto';
import { ensureKafka } from '../kafka/local-kafka';

/**
 * Jest globalSetup of the integration project: makes a broker available once per run and
 * publishes it as KAFKA_BROKERS, which the test workers (spawned after this) inherit.
 * Keycloak is started lazily by the first suite that needs it (ensureKeycloak); the run id lets
 * globalTeardown tell whether a worker of this run started it.
 */
export default async function globalSetup(): Promise<void> {
  process.env['REVMESH_TEST_RUN_ID'] = randomUUID();
  const { brokers } = await ensureKafka();
  process.env['KAFKA_BROKERS'] = brokers.join(',');
}
