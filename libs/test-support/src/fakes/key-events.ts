import { randomUUID } from 'node:crypto';
import {
  EVENT_SIGNER_ANNOUNCED,
  EVENT_SIGNER_WITHDRAWN,
  KEY_STATE_CHANGED,
  publicJwkSchema,
  type EventSignerAnnouncedEvent,
  type EventSignerJwk,
  type EventSignerWithdrawnEvent,
  type KeyState,
  type KeyStateChangedEvent,
  type PublicJwk,
} from '@revmesh/contracts';
import type { TestEventSigner } from '../tokens/test-event-signer';
import type { TestIssuer } from '../tokens/test-issuer';

/** Envelope fields every event builder accepts. */
interface EnvelopeInput {
  /** Event id (UUID). Default: fresh. Reuse one to model a replay. */
  readonly eventId?: string;
  /** When the authority issued the event, epoch ms. Default `now`. */
  readonly issuedAt?: number;
  /** Current time for the defaults, epoch ms. Default `Date.now()`. */
  readonly now?: number;
}

export interface KeyStateEventInput extends EnvelopeInput {
  /** The token-signing key: a {@link TestIssuer} (ES256 or EdDSA) or its public JWK. */
  readonly key: TestIssuer | PublicJwk;
  readonly state: KeyState;
  /** Must increase with every key or signer event, as the authority's counter does. */
  readonly keySetVersion: number;
  /** Default `issuedAt`. */
  readonly changedAt?: number;
  readonly retireAfter?: number | null;
  readonly rotationId?: string | null;
  readonly reason?: string | null;
}

/**
 * The public JWK of a test issuer as the keys topic carries it (only the members the contracts
 * allow). Throws a `TypeError` for an algorithm revmesh does not publish (RS256, PS256, ES384).
 */
export function publicJwkOf(issuer: TestIssuer): PublicJwk {
  const { kty, crv, x, y, kid, alg } = issuer.publicJwk;
  const parsed = publicJwkSchema.safeParse({ kty, crv, x, ...(y === undefined ? {} : { y }), kid, alg, use: 'sig' });
  if (!parsed.success) {
    throw new TypeError(`publicJwkOf: the keys topic carries ES256 and EdDSA keys only; this test issuer uses ${issuer.alg}`);
  }
  return parsed.data;
}

const isIssuer = (key: TestIssuer | PublicJwk): key is TestIssuer => typeof (key as TestIssuer).sign === 'function';

/** A valid `key.state-changed` v1 event for a test key, as the authority would publish it. */
export function keyStateEvent(input: KeyStateEventInput): KeyStateChangedEvent {
  const issuedAt = input.issuedAt ?? input.now ?? Date.now();
  const jwk = isIssuer(input.key) ? publicJwkOf(input.key) : input.key;
  return {
    id: input.eventId ?? randomUUID(),
    type: KEY_STATE_CHANGED,
    version: 1,
    issued_at: issuedAt,
    actor: { kind: 'system', id: 'test' },
    payload: {
      kid: jwk.kid,
      state: input.state,
      public_jwk: jwk,
      key_set_version: input.keySetVersion,
      changed_at: input.changedAt ?? issuedAt,
      retire_after: input.retireAfter ?? null,
      rotation_id: input.rotationId ?? null,
      reason: input.reason ?? null,
    },
  };
}

export interface SignerAnnouncedInput extends EnvelopeInput {
  /** The signer being introduced (it does not sign this event: a currently trusted signer does). */
  readonly signer: TestEventSigner | EventSignerJwk;
  readonly keySetVersion: number;
}

/** A valid `event-signer.announced` v1 event. */
export function signerAnnouncedEvent(input: SignerAnnouncedInput): EventSignerAnnouncedEvent {
  const signer = 'publicJwk' in input.signer ? input.signer.publicJwk : input.signer;
  return {
    id: input.eventId ?? randomUUID(),
    type: EVENT_SIGNER_ANNOUNCED,
    version: 1,
    issued_at: input.issuedAt ?? input.now ?? Date.now(),
    actor: { kind: 'system', id: 'test' },
    payload: { signer, key_set_version: input.keySetVersion },
  };
}

export interface SignerWithdrawnInput extends EnvelopeInput {
  /** The signer being removed. */
  readonly kid: string;
  readonly keySetVersion: number;
}

/** A valid `event-signer.withdrawn` v1 event. */
export function signerWithdrawnEvent(input: SignerWithdrawnInput): EventSignerWithdrawnEvent {
  return {
    id: input.eventId ?? randomUUID(),
    type: EVENT_SIGNER_WITHDRAWN,
    version: 1,
    issued_at: input.issuedAt ?? input.now ?? Date.now(),
    actor: { kind: 'system', id: 'test' },
    payload: { kid: input.kid, key_set_version: input.keySetVersion },
  };
}
