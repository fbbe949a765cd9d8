/** W3C Trace Context header names, carried as Kafka record headers on every event. */
export const TRACEPARENT_HEADER = 'traceparent';
export const TRACESTATE_HEADER = 'tracestate';

const TRACEPARENT_PATTERN = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** True for a syntactically valid version-00 `traceparent` with non-zero ids. */
export function isValidTraceparent(value: string): boolean {
  return (
    TRACEPARENT_PATTERN.test(value) &&
    value.slice(3, 35) !== '0'.repeat(32) &&
    value.slice(36, 52) !== '0'.repeat(16)
  );
}
