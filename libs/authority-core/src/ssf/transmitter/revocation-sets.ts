import type { Actor } from '@revmesh/contracts';
import type { Revocation } from '../../revocations/revocation';
import { SET_EVENT_TYPES, type SetPayload, type SubjectIdentifier } from '../set-types';

/** CAEP `session-revoked`: what every transmitted revocation is. */
export const SESSION_REVOKED = SET_EVENT_TYPES['caep.session-revoked'];
/** RISC `sessions-revoked`: deprecated by RISC 1.0 for CAEP's; sent for `sub` only to receivers that ask for it. */
export const RISC_SESSIONS_REVOKED = SET_EVENT_TYPES['risc.sessions-revoked'];
export const VERIFICATION = SET_EVENT_TYPES['ssf.verification'];
export const STREAM_UPDATED = SET_EVENT_TYPES['ssf.stream-updated'];

/** Event types a stream may request and receive (verification and stream-updated need no request). */
export const EVENTS_SUPPORTED: readonly string[] = [SESSION_REVOKED, RISC_SESSIONS_REVOKED];

/** One event a revocation becomes, before it is addressed to a stream. */
export interface RevocationEvent {
  readonly type: string;
  readonly subject: SubjectIdentifier;
  readonly members: Readonly<Record<string, unknown>>;
  /** `txn`: the revocation's id, the same on every SET it causes (SSF 1.0 §4.1.9). */
  readonly txn: string;
}

/** The part of a revocation its SETs tell (its rule window stays ours). */
export type TransmittedRevocation = Pick<Revocation, 'id' | 'target' | 'iss' | 'reason' | 'actor' | 'revokedAt'>;

/** CAEP `initiating_entity` of a revocation's actor. */
function initiatingEntity(actor: Actor): 'admin' | 'system' {
  return actor.kind === 'system' ? 'system' : 'admin';
}

/**
 * The SSF events a revocation becomes, for the authority's own tokens (`issuer`):
 * - `jti` → CAEP `session-revoked` about the token itself (`jwt_id` subject, SSF 1.0 §3.4.1);
 * - `sub` → CAEP `session-revoked` about the user (`iss_sub`): every session (token) of it
 *   issued up to `event_timestamp` ends; plus RISC `sessions-revoked`, for receivers that still ask for it;
 * - `sid` → CAEP `session-revoked` about the session (complex subject, `session` opaque).
 *
 * Nothing for `client_id` and `kid` (no SSF subject names "every token of an OAuth client" or "of
 * a signing key"), and nothing for rules on an external issuer's tokens: that issuer's receivers
 * hear from it, and not re-transmitting what another transmitter told us keeps two revmesh
 * authorities subscribed to each other from echoing revocations forever.
 */
export function revocationEvents(revocation: TransmittedRevocation, issuer: string): readonly RevocationEvent[] {
  if (revocation.iss !== undefined && revocation.iss !== issuer) return [];
  const members = {
    event_timestamp: Math.floor(revocation.revokedAt / 1000),
    initiating_entity: initiatingEntity(revocation.actor),
    reason_admin: { en: revocation.reason },
  };
  const txn = revocation.id;
  const { type, value } = revocation.target;
  switch (type) {
    case 'jti':
      return [{ type: SESSION_REVOKED, subject: { format: 'jwt_id', iss: issuer, jti: value }, members, txn }];
    case 'sub': {
      const subject: SubjectIdentifier = { format: 'iss_sub', iss: issuer, sub: value };
      return [
        { type: SESSION_REVOKED, subject, members, txn },
        { type: RISC_SESSIONS_REVOKED, subject, members: { event_timestamp: members.event_timestamp }, txn },
      ];
    }
    case 'sid':
      return [{ type: SESSION_REVOKED, subject: { format: 'complex', session: { format: 'opaque', id: value } }, members, txn }];
    default:
      return [];
  }
}

/**
 * The claims of one SET (RFC 8417, SSF 1.0 §4): `iss`, `aud`, `iat`, `jti`, one event, the
 * subject in the top-level `sub_id`, `txn`. Never `exp` nor a top-level `sub`.
 */
export function setClaims(input: {
  readonly issuer: string;
  readonly aud: string;
  readonly jti: string;
  readonly iatSeconds: number;
  readonly type: string;
  readonly subject: SubjectIdentifier;
  readonly members: Readonly<Record<string, unknown>>;
  readonly txn?: string;
}): SetPayload {
  return {
    iss: input.issuer,
    aud: input.aud,
    iat: input.iatSeconds,
    jti: input.jti,
    sub_id: input.subject,
    events: { [input.type]: input.members },
    ...(input.txn === undefined ? {} : { txn: input.txn }),
  };
}
