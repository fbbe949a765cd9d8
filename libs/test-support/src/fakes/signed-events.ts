import { eventSignerKey, eventSignerWithdrawalKey, keyEventKey, revocationKey, type RevmeshEvent } from '@revmesh/contracts';
import type { IncomingRecord } from '@revmesh/transport';
import type { InMemoryTransport } from './in-memory-transport';

/** Anything that turns an event into a signed record value (a {@link TestEventSigner}, or a forger's key). */
export interface EventSigner {
  sign(event: RevmeshEvent): Promise<Buffer>;
}

/** The Kafka record key the authority uses for `event` (see docs/keys-and-signed-events.md). */
export function eventRecordKey(event: RevmeshEvent): string {
  switch (event.type) {
    case 'revocation.issued':
      return revocationKey(event.payload.target);
    case 'key.state-changed':
      return keyEventKey(event.payload.kid);
    case 'event-signer.announced':
      return eventSignerKey(event.payload.signer.kid);
    case 'event-signer.withdrawn':
      return eventSignerWithdrawalKey(event.payload.kid);
  }
}

export interface AppendSignedEventOptions {
  /** The record timestamp (when the relay published it), epoch ms. Default: now. */
  readonly timestamp?: number;
}

/**
 * Signs `event` with `signer` and appends it to `topic` as the authority's relay would (record key
 * from {@link eventRecordKey}). Returns the record as readers will see it.
 */
export async function appendSignedEvent(
  transport: InMemoryTransport,
  topic: string,
  event: RevmeshEvent,
  signer: EventSigner,
  options: AppendSignedEventOptions = {},
): Promise<IncomingRecord> {
  return transport.append({
    topic,
    key: eventRecordKey(event),
    value: await signer.sign(event),
    ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
  });
}
