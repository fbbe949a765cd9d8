/**
 * Security Event Token vocabulary shared by revmesh's SSF receiver (`ssf/receiver/`) and
 * transmitter (`ssf/transmitter/`): RFC 8417 (SET), OpenID Shared Signals Framework 1.0, CAEP 1.0,
 * RISC 1.0, RFC 9493 (subject identifiers). Types and constants only; no behaviour.
 */

/** The JWS `typ` every SET carries (SSF 1.0 §4.1.1). */
export const SET_TYP = 'secevent+jwt';
/** Media type of a pushed SET (RFC 8935 §2). */
export const SET_MEDIA_TYPE = 'application/secevent+jwt';

/** Delivery method URNs (SSF 1.0 §6.1.1). */
export const DELIVERY_PUSH = 'urn:ietf:rfc:8935';
export const DELIVERY_POLL = 'urn:ietf:rfc:8936';

const CAEP = 'https://schemas.openid.net/secevent/caep/event-type';
const RISC = 'https://schemas.openid.net/secevent/risc/event-type';
const SSF = 'https://schemas.openid.net/secevent/ssf/event-type';

/** Event type URIs revmesh knows, by short name (the names the policy file uses). */
export const SET_EVENT_TYPES = {
  'caep.session-revoked': `${CAEP}/session-revoked`,
  'caep.credential-change': `${CAEP}/credential-change`,
  'risc.credential-compromise': `${RISC}/credential-compromise`,
  'risc.account-disabled': `${RISC}/account-disabled`,
  'risc.account-purged': `${RISC}/account-purged`,
  'risc.sessions-revoked': `${RISC}/sessions-revoked`,
  'ssf.verification': `${SSF}/verification`,
  'ssf.stream-updated': `${SSF}/stream-updated`,
} as const;
export type SetEventName = keyof typeof SET_EVENT_TYPES;

/** A simple subject identifier (RFC 9493 §3, SSF 1.0 §3). Unknown formats are kept as given. */
export type SimpleSubject =
  | { readonly format: 'iss_sub'; readonly iss: string; readonly sub: string }
  | { readonly format: 'email'; readonly email: string }
  | { readonly format: 'opaque'; readonly id: string }
  | { readonly format: 'jwt_id'; readonly iss: string; readonly jti: string }
  | { readonly format: string; readonly [member: string]: unknown };

/** SSF 1.0 §3.2 complex subject: members are simple subjects (`user`, `session`, `tenant`, ...). */
export interface ComplexSubject {
  readonly format: 'complex';
  readonly user?: SimpleSubject;
  readonly session?: SimpleSubject;
  readonly [member: string]: unknown;
}

export type SubjectIdentifier = SimpleSubject | ComplexSubject;

/** The claims of a SET revmesh reads (RFC 8417 §2.2, SSF 1.0 §4.1). No `exp`, no top-level `sub`. */
export interface SetPayload {
  readonly iss: string;
  readonly aud: string | readonly string[];
  readonly iat: number;
  readonly jti: string;
  /** Event type URI → event members (`event_timestamp`, `reason_admin`, `state`, ...). */
  readonly events: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly sub_id?: SubjectIdentifier;
  readonly txn?: string;
}
