import { stopKafkaIfStartedHere } from '../kafka/local-kafka';

/**
 * Jest globalTeardown of the integration project: stops the broker only if globalSetup
 * launched it, so a broker someone started by hand (or named by KAFKA_BROKERS) survives the run.
 */
export default async function globalTeardown(): Promise<void> {
  if (await stopKafkaIfStartedHere()) {
    // Set by globalSetup for a broker that is now gone; a watch-mode re-run must start a new one.
    delete process.env['KAFKA_BROKERS'];
  }
}
