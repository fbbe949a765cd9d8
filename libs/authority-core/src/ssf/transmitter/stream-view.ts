import { DELIVERY_POLL, DELIVERY_PUSH } from '../set-types';
import { EVENTS_SUPPORTED } from './revocation-sets';
import type { StoredStream, StreamStatus } from './stream-store';

/** A stream as the management API shows it (SSF 1.0 §8.1.1). */
export interface StreamConfiguration {
  readonly stream_id: string;
  readonly iss: string;
  readonly aud: string;
  readonly events_supported: readonly string[];
  readonly events_requested?: readonly string[];
  readonly events_delivered: readonly string[];
  /** The push `authorization_header` is never shown back: it is the receiver's credential. */
  readonly delivery: { readonly method: string; readonly endpoint_url: string };
  readonly min_verification_interval: number;
  readonly description?: string;
}

/** A stream's status (SSF 1.0 §8.1.2.1). */
export interface StreamStatusView {
  readonly stream_id: string;
  readonly status: StreamStatus;
  readonly reason?: string;
}

/** `events_delivered`: the supported types the stream requested, in the transmitter's order. */
export function eventsDelivered(stream: Pick<StoredStream, 'eventsRequested'>): readonly string[] {
  const requested = stream.eventsRequested ?? [];
  return EVENTS_SUPPORTED.filter((type) => requested.includes(type));
}

export function streamConfiguration(
  stream: StoredStream,
  transmitter: { readonly issuer: string; readonly pollUrl: (streamId: string) => string; readonly minVerificationIntervalSeconds: number },
): StreamConfiguration {
  return {
    stream_id: stream.streamId,
    iss: transmitter.issuer,
    aud: stream.aud,
    events_supported: EVENTS_SUPPORTED,
    ...(stream.eventsRequested === undefined ? {} : { events_requested: stream.eventsRequested }),
    events_delivered: eventsDelivered(stream),
    delivery:
      stream.delivery.method === DELIVERY_PUSH
        ? { method: DELIVERY_PUSH, endpoint_url: stream.delivery.endpointUrl }
        : { method: DELIVERY_POLL, endpoint_url: transmitter.pollUrl(stream.streamId) },
    min_verification_interval: transmitter.minVerificationIntervalSeconds,
    ...(stream.description === undefined ? {} : { description: stream.description }),
  };
}

export function streamStatusView(stream: StoredStream): StreamStatusView {
  return { stream_id: stream.streamId, status: stream.status, ...(stream.statusReason === null ? {} : { reason: stream.statusReason }) };
}
