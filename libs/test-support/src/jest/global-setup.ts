import { ensureKafka } from '../kafka/local-kafka';

/**
 * Jest globalSetup of the integration project: makes a broker available once per run and
 * publishes it as KAFKA_BROKERS, which the test workers (spawned after this) inherit.
 */
export default async function globalSetup(): Promise<void> {
  const { brokers } = await ensureKafka();
  process.env['KAFKA_BROKERS'] = brokers.join(',');
}
