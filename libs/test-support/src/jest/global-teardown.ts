import { stopKafkaIfStartedHere } from '../kafka/local-kafka';
import { stopKeycloakIfStartedThisRun } from '../keycloak/local-keycloak';

/**
 * Jest globalTeardown of the integration project: stops the broker only if globalSetup
 * launched it, so a broker someone started by hand (or named by KAFKA_BROKERS) survives the run;
 * likewise stops Keycloak only if a worker of this run launched it.
 */
export default async function globalTeardown(): Promise<void> {
  await stopKeycloakIfStartedThisRun();
  if (await stopKafkaIfStartedHere()) {
    // Set by globalSetup for a broker that is now gone; a watch-mode re-run must start a new one.
    delete process.env['KAFKA_BROKERS'];
  }
}
