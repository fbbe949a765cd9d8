import { logLevel, type logCreator } from 'kafkajs';
import type { TransportLogger } from '../logger';

/**
 * Warnings that describe a choice we made on purpose. The outbox relay owns retries (a failed
 * batch is republished whole, and applying an event twice has no extra effect), so kafkajs's
 * caution about bounded idempotent retries is noise here.
 */
const EXPECTED_WARNINGS = [/Limiting retries for the idempotent producer/, /switched default partitioner/];

/** Routes kafkajs's own log lines into our logger; below WARN is dropped. */
export function kafkaLogCreator(logger: TransportLogger): logCreator {
  return () =>
    ({ level, label, log }) => {
      const { message, ...fields } = log;
      if (level === logLevel.WARN && EXPECTED_WARNINGS.some((p) => p.test(message))) return;
      const line = `kafkajs ${label}: ${message}`;
      if (level === logLevel.ERROR || level === logLevel.NOTHING) logger.error(line, fields);
      else if (level === logLevel.WARN) logger.warn(line, fields);
    };
}
