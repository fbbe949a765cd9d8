import { stopKafkaIfStartedHere } from '../kafka/local-kafka';
import { stopKeycloakIfStartedThisRun } from '../keycloak/local-keycloak';
import { stopPostgresIfStartedHere, TEST_DATABASE_URL_ENV } from '../postgres/local-postgres';

/**
 * Jest globalTeardown of the integration project: stops the broker and PostgreSQL only if
 * globalSetup launched them, so a server someone started by hand (or named by KAFKA_BROKERS /
 * REVMESH_TEST_DATABASE_URL) survives the run; likewise stops Keycloak only if a worker of this
 * run launched it.
 */
export default async function globalTeardown(): Promise<void> {
  await stopKeycloakIfStartedThisRun();
  if (await stopPostgresIfStartedHere()) {
    // Set by globalSetup for a server that is now gone; a watch-mode re-run must start a new one.
    delete process.env[TEST_DATABASE_URL_ENV];
  }
  if (await stopKafkaIfStartedHere()) {
    delete process.env['KAFKA_BROKERS'];
  }
}
