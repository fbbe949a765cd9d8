import { randomBytes } from 'node:crypto';
import { isValidTraceparent } from '@revmesh/contracts';

/**
 * A W3C `traceparent` for an event the authority publishes.
 *
 * Continues `parent` (same trace id and flags, a new span id for this hop) when it is a valid
 * version-00 header, so a caller's trace follows its revocation onto Kafka; otherwise starts a
 * new sampled trace from random ids. A later issue replaces this with OpenTelemetry's
 * propagator; the header format stays the same.
 */
export function createTraceparent(parent?: string): string {
  const spanId = nonZeroHex(8);
  if (parent !== undefined && isValidTraceparent(parent)) {
    return `00-${parent.slice(3, 35)}-${spanId}-${parent.slice(53, 55)}`;
  }
  return `00-${nonZeroHex(16)}-${spanId}-01`;
}

function nonZeroHex(bytes: number): string {
  for (;;) {
    const value = randomBytes(bytes);
    // All-zero ids are invalid per W3C Trace Context; astronomically unlikely, but free to rule out.
    if (value.some((b) => b !== 0)) return value.toString('hex');
  }
}
