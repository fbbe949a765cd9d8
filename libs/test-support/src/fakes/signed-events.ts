import { randomUUID } from 'node:crypto';
import { AUTHORITY_HEARTBEAT, AUTHORITY_HEARTBEAT_KEY, type AuthorityHeartbeatEvent, eventSignerKey, eventSignerWithdrawalKey, auditRecordKey, keyEventKey, killSwitchKey, revocationKey, type RevmeshEvent } from '@revmesh/contracts';
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
      return revocationKey(event.payload.target, event.payload.iss);
    case 'key.state-changed':
      return keyEventKey(event.payload.kid);
    case 'event-signer.announced':
      return eventSignerKey(event.payload.signer.kid);
    case 'event-signer.withdrawn':
      return eventSignerWithdrawalKey(event.payload.kid);
    case 'authority.heartbeat':
      return AUTHORITY_HEARTBEAT_KEY;
    case 'alert.raised':
      return event.id;
    case 'kill-switch.changed':
      return killSwitchKey(event.payload.scope);
    case 'audit.recorded':
      return auditRecordKey(event.payload.seq);
    case 'audit.batch-recorded':
      return auditRecordKey(event.payload.entries[event.payload.entries.length - 1]!.seq);
  }
}

export interface AppendSignedEventOptions {
  /** The record timestamp (when the relay published it), epoch ms. Default: now. */
  readonly timestamp?: number;
  /** Record headers (e.g. W3C `traceparent`). */
  readonly headers?: Readonly<Record<string, string>>;
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
    ...(options.headers === undefined ? {} : { headers: options.headers }),
  });
}

export interface AuthorityHeartbeatInput {
  /** Epoch ms. Default `Date.now()`. */
  readonly now?: number;
  readonly intervalMs?: number;
  readonly keySetVersion?: number;
}

/** A valid `authority.heartbeat` v1 event (published on the keys topic under `AUTHORITY_HEARTBEAT_KEY`). */
export function authorityHeartbeatEvent(input: AuthorityHeartbeatInput = {}): AuthorityHeartbeatEvent {
  return {
    id: randomUUID(),
    type: AUTHORITY_HEARTBEAT,
    version: 1,
    issued_at: input.now ?? Date.now(),
    actor: { kind: 'system', id: 'authority' },
    payload: { interval_ms: input.intervalMs ?? 5_000, key_set_version: input.keySetVersion ?? 0 },
  };
}
