import type { EventRejectionReason } from '@revmesh/contracts';

/** The two topics the sidecar reads. Used as a metric attribute and a log field (low cardinality, unlike topic names). */
export type EventTopicKind = 'revocations' | 'keys';

/**
 * Why the sidecar refused to apply an event. Stable: counted in `stats().rejectedEvents` and the
 * `revmesh.sidecar.events.rejected{reason}` metric.
 *
 * The contracts' reasons (`UNSIGNED`, `MALFORMED_JWS`, `UNKNOWN_SIGNER`, `SIGNATURE_INVALID`,
 * `REPLAY`, `STALE_KEY_EVENT`, `EMPTY`, `TOO_LARGE`, `MALFORMED_JSON`, `UNKNOWN_TYPE`,
 * `UNSUPPORTED_VERSION`, `SCHEMA_INVALID`), plus the sidecar's own:
 *
 * | reason | meaning |
 * | --- | --- |
 * | `LAST_SIGNER` | an `event-signer.withdrawn` would leave no trusted signer |
 * | `SELF_WITHDRAWAL` | a signer signed its own withdrawal (only another trusted signer may withdraw it) |
 * | `SIGNER_CONFLICT` | an `event-signer.announced` gives a trusted kid a different public key |
 * | `KEY_CONFLICT` | a key event gives a known kid a different public key, or its `kid` and `public_jwk.kid` differ |
 * | `KEY_IMPORT_FAILED` | a key event's public JWK cannot be imported |
 * | `REVOKED_KEY_REUSED` | a key event moves a revoked key to another state (revocation is final) |
 * | `HANDLER_ERROR` | applying the event failed unexpectedly (a bug; logged at error) |
 */
export type SidecarEventRejectionReason =
  | EventRejectionReason
  | 'LAST_SIGNER'
  | 'SELF_WITHDRAWAL'
  | 'SIGNER_CONFLICT'
  | 'KEY_CONFLICT'
  | 'KEY_IMPORT_FAILED'
  | 'REVOKED_KEY_REUSED'
  | 'HANDLER_ERROR';

/** A refusal, with a message for the warn log line. */
export interface EventRejection {
  readonly ok: false;
  readonly reason: SidecarEventRejectionReason;
  readonly message: string;
}

export function rejection(reason: SidecarEventRejectionReason, message: string): EventRejection {
  return { ok: false, reason, message };
}
