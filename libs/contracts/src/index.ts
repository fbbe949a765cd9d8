export { actorSchema, type Actor } from './events/envelope';
export {
  REVOCATION_ISSUED,
  REVOCATION_TARGET_TYPES,
  revocationIssuedV1Schema,
  revocationTargetSchema,
  type RevocationIssuedEvent,
  type RevocationTarget,
  type RevocationTargetType,
} from './events/revocation-issued';
export { revmeshEventSchema, SUPPORTED_EVENT_VERSIONS, type RevmeshEvent, type RevmeshEventType } from './events/event';
export { decodeEvent, encodeEvent, MAX_EVENT_BYTES, type DecodeResult, type EventRejectionReason } from './events/codec';
export {
  DEFAULT_TOPIC_PREFIX,
  revocationKey,
  revocationTopicSpec,
  topicNames,
  type RevocationTopicOptions,
  type TopicNames,
  type TopicSpec,
} from './topics/topics';
export { isValidTraceparent, TRACEPARENT_HEADER, TRACESTATE_HEADER } from './tracing/trace-headers';
