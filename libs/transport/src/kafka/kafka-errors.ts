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

/** kafkajs' UNKNOWN_TOPIC_OR_PARTITION ("This server does not host this topic-partition"), anywhere on the cause chain. */
export function isUnknownTopicError(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current !== null && typeof current === 'object' && depth < 6; depth++) {
    if ((current as { type?: unknown }).type === 'UNKNOWN_TOPIC_OR_PARTITION') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
