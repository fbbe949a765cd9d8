import { TransportError } from '../transport-error';

/**
 * Translates a kafkajs failure into a TransportError at the one edge where kafkajs is used.
 * kafkajs marks its errors `retriable`; anything else (a bug, a bad config) is not.
 */
export function toTransportError(action: string, error: unknown): TransportError {
  if (error instanceof TransportError) return error;
  const retriable =
    typeof error === 'object' && error !== null && 'retriable' in error && (error as { retriable: unknown }).retriable === true;
  const connectionLike =
    error instanceof Error && /KafkaJSConnectionError|KafkaJSNumberOfRetriesExceeded|KafkaJSRequestTimeoutError|KafkaJSNonRetriableError|KafkaJSBrokerNotFound/.test(error.name);
  const message = error instanceof Error ? error.message : String(error);
  return new TransportError(`${action}: ${message}`, retriable || connectionLike, { cause: error });
}
