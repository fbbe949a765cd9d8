export type {
  EventTransport,
  IncomingRecord,
  OutgoingRecord,
  PublisherOptions,
  RecordHandler,
  RecordPublisher,
  TopicReader,
  TopicReaderOptions,
  TopicInspector,
  TopicState,
} from './transport';
export { TransportError } from './transport-error';
export { stderrTransportLogger, type TransportLogger } from './logger';
export { createKafkaTransport, type KafkaTransport } from './kafka/kafka-transport';
export { parseBrokerList, type KafkaTransportOptions } from './kafka/kafka-options';
