import { randomUUID } from 'node:crypto';
import {
  encodeEvent,
  REVOCATION_ISSUED,
  revocationKey,
  type RevocationIssuedEvent,
  type RevocationTarget,
} from '@revmesh/contracts';
import type { IncomingRecord } from '@revmesh/transport';
import type { InMemoryTransport } from './in-memory-transport';

export interface RevocationEventInput {
  readonly target: RevocationTarget;
  /** Default: a fresh `rev-…` id. */
  readonly revocationId?: string;
  /** Event id (UUID). Default: fresh. Reuse one to model an outbox republish. */
  readonly eventId?: string;
  /** When the authority issued the event, epoch ms. Default `now`. */
  readonly issuedAt?: number;
  /** When the revocation was decided, epoch ms. Default `issuedAt`. */
  readonly revokedAt?: number;
  /** Tokens with `iat` ≤ this (epoch s) are denied (sub/client_id/sid). Default `floor(revokedAt / 1000)`. */
  readonly notAfterIat?: number;
  /** When the rule stops mattering, epoch ms. Default `revokedAt + 1 hour`. */
  readonly expiresAt?: number;
  readonly reason?: string;
  /** The issuer the revocation targets; absent means the authority's own. */
  readonly iss?: string;
  /** Current time for the defaults, epoch ms. Default `Date.now()`. */
  readonly now?: number;
}

/** A valid `revocation.issued` v1 event, as the authority would publish it. */
export function revocationEvent(input: RevocationEventInput): RevocationIssuedEvent {
  const issuedAt = input.issuedAt ?? input.now ?? Date.now();
  const revokedAt = input.revokedAt ?? issuedAt;
  return {
    id: input.eventId ?? randomUUID(),
    type: REVOCATION_ISSUED,
    version: 1,
    issued_at: issuedAt,
    actor: { kind: 'admin-key', id: 'test' },
    payload: {
      revocation_id: input.revocationId ?? `rev-${randomUUID().slice(0, 8)}`,
      target: input.target,
      ...(input.iss === undefined ? {} : { iss: input.iss }),
      revoked_at: revokedAt,
      not_after_iat: input.notAfterIat ?? Math.floor(revokedAt / 1000),
      expires_at: input.expiresAt ?? revokedAt + 3_600_000,
      reason: input.reason ?? 'test revocation',
    },
  };
}

/** Appends `event` to `topic` as the authority's relay would (key = target, value = encoded event). */
export function appendRevocation(transport: InMemoryTransport, topic: string, event: RevocationIssuedEvent): IncomingRecord {
  return transport.append({ topic, key: revocationKey(event.payload.target, event.payload.iss), value: encodeEvent(event) });
}
