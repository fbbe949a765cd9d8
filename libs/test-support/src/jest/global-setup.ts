import { randomUUID } from 'node:crypto';
import { ensureKafka, stopKafkaIfStartedHere } from '../kafka/local-kafka';
import { ensurePostgres, stopPostgresIfStartedHere, TEST_DATABASE_URL_ENV } from '../postgres/local-postgres';

/**
 * Jest globalSetup of the integration project: makes a broker and a PostgreSQL server available
 * once per run and publishes them as KAFKA_BROKERS and REVMESH_TEST_DATABASE_URL, which the test
 * workers (spawned after this) inherit; suites take a database of their own with createTestDatabase.
 * Keycloak is started lazily by the first suite that needs it (ensureKeycloak); the run id lets
 * globalTeardown tell whether a worker of this run started it.
 */
export default async function globalSetup(): Promise<void> {
  process.env['REVMESH_TEST_RUN_ID'] = randomUUID();
  // Independent: started side by side (a PostgreSQL start takes ~1 s, a broker's ~10 s).
  const [kafka, postgres] = await Promise.allSettled([ensureKafka(), ensurePostgres()]);
  if (kafka.status === 'rejected' || postgres.status === 'rejected') {
    // jest runs no globalTeardown after a failed globalSetup: stop here what this run started.
    await Promise.allSettled([stopKafkaIfStartedHere(), stopPostgresIfStartedHere()]);
    throw kafka.status === 'rejected' ? kafka.reason : (postgres as PromiseRejectedResult).reason;
  }
  process.env['KAFKA_BROKERS'] = kafka.value.brokers.join(',');
  process.env[TEST_DATABASE_URL_ENV] = postgres.value.url;
}
