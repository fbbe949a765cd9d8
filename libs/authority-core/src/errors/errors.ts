/**
 * The one error hierarchy of authority-core. Every failure the authority can explain carries a
 * stable `code` from {@link AuthorityErrorCode}; the HTTP layer maps codes to statuses and never
 * parses messages. Third-party failures (SQLite, jose, node:crypto) are translated here, at the
 * edge where they happen, with the original kept as `cause`.
 *
 * Caller mistakes (a negative TTL, a missing option) are `TypeError`s, not `AuthorityError`s:
 * they are bugs to fix, not conditions to handle.
 */
export type AuthorityErrorCode =
  | 'DPOP_PROOF_INVALID'
  | 'STORE_FAILED'
  | 'STORE_LOCKED'
  | 'NOT_LEADER'
  | 'LEASE_LOST'
  | 'STORE_UNAVAILABLE'
  | 'MIGRATION_FAILED'
  | 'KEY_UNWRAP_FAILED'
  | 'KEY_INVALID'
  | 'SIGNING_FAILED'
  | 'CLIENT_EXISTS'
  | 'CLIENT_AUTHENTICATION_FAILED'
  | 'CLIENT_AUTHENTICATION_THROTTLED'
  | 'SCOPE_NOT_ALLOWED'
  | 'AUDIENCE_NOT_ALLOWED'
  | 'SESSION_GRANT_REFUSED'
  | 'SESSION_NOT_FOUND'
  | 'INTROSPECTION_NOT_ALLOWED'
  | 'REVOCATION_NOT_FOUND'
  | 'REVOCATION_BATCH_INVALID'
  | 'REVOCATION_BATCH_NEEDS_APPROVAL'
  | 'ISSUER_EXISTS'
  | 'ISSUER_NOT_FOUND'
  | 'ISSUER_NOT_TRUSTED'
  | 'EVENT_INVALID'
  | 'SSF_STREAM_NOT_FOUND'
  | 'SSF_REQUEST_INVALID'
  | 'SSF_RECEIVER_UNAUTHORIZED'
  | 'SSF_RECEIVER_FORBIDDEN'
  | 'SSF_STREAM_CONFLICT'
  | 'SSF_TOO_MANY_REQUESTS'
  | 'KEY_NOT_FOUND'
  | 'KEY_STATE_CONFLICT'
  | 'ROTATION_NOT_FOUND'
  | 'ROTATION_IN_PROGRESS'
  | 'ROTATION_NOT_ROLLBACKABLE'
  | 'ROLLBACK_TARGET_REVOKED'
  | 'CLIENT_NOT_FOUND'
  | 'CLIENT_AUTH_METHOD_CONFLICT'
  | 'KILL_SWITCH_NOT_ENGAGED'
  | 'COMMS_NO_WEBHOOK'
  | 'COMMS_WEBHOOK_UNUSABLE'
  | 'COMMS_TEXT_CHANGED'
  | 'COMMS_SECOND_OPERATOR_REQUIRED'
  | 'INVALID_CREDENTIALS'
  | 'LOGIN_THROTTLED'
  | 'OPERATOR_EXISTS'
  | 'OPERATOR_NOT_FOUND'
  | 'BOOTSTRAP_DONE'
  | 'OPERATOR_TOKEN_INVALID'
  | 'LAST_SECURITY_ADMIN'
  | 'APPROVAL_NOT_FOUND'
  | 'SELF_APPROVAL'
  | 'APPROVAL_EXPIRED'
  | 'APPROVAL_NOT_PENDING'
  | 'APPROVER_SPONSORED'
  | 'ENROLMENT_CODE_INVALID'
  | 'OPERATOR_ENROLLED'
  | 'POLICY_INVALID'
  | 'STORE_COPY_REFUSED'
  | 'STORE_COPY_UNVERIFIED'
  | 'SSF_TRANSMITTER_EXISTS'
  | 'SSF_TRANSMITTER_NOT_FOUND'
  | 'SSF_TRANSMITTER_FAILED'
  | 'INCIDENT_NOT_FOUND'
  | 'INCIDENT_UNKNOWN'
  | 'INCIDENT_CLOSED'
  | 'INCIDENT_TRANSITION_REFUSED'
  | 'INCIDENT_LINK_TARGET_UNKNOWN'
  | 'INCIDENT_FOLLOW_UP_NOT_FOUND';

/** Base class of every error authority-core throws on purpose. Switch on `code`, not on messages. */
export abstract class AuthorityError extends Error {
  abstract readonly code: AuthorityErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** SQLite failed (disk full, file locked, corrupt database...). `cause` is the `SqliteError`. */
export class StoreError extends AuthorityError {
  override readonly name = 'StoreError';
  readonly code = 'STORE_FAILED' as const;
}

/**
 * Another authority process holds this data folder. Two writers on one store would each sign with
 * keys the other may have revoked; the second one refuses to start instead. The message names the
 * holder (pid, host, start time) when it could be read.
 */
export class StoreLockedError extends AuthorityError {
  override readonly name = 'StoreLockedError';
  readonly code = 'STORE_LOCKED' as const;
}

/**
 * This replica does not hold the leader lease (or its own view of it is past the TTL minus the
 * safety margin): a singleton's publish or broker write is refused before it leaves the process.
 */
export class NotLeaderError extends AuthorityError {
  override readonly name = 'NotLeaderError';
  readonly code = 'NOT_LEADER' as const;
}

/**
 * The lease moved to a newer epoch than the one a write was made under: the write (a relay's
 * "published" marks) was refused and rolled back; the new leader does it again.
 */
export class LeaseLostError extends AuthorityError {
  override readonly name = 'LeaseLostError';
  readonly code = 'LEASE_LOST' as const;
}

/**
 * The store cannot write for now: its disk is full, it became read-only, or the disk reports I/O
 * errors. The transaction was rolled back whole, so nothing is half-written; the caller should
 * retry after `retryAfterSeconds` (HTTP: 503 with Retry-After), not treat it as a bug.
 */
export class StoreUnavailableError extends AuthorityError {
  override readonly name = 'StoreUnavailableError';
  readonly code = 'STORE_UNAVAILABLE' as const;
  constructor(
    /** What SQLite reported, in words: `disk full`, `read-only` or `I/O error`. */
    readonly reason: StoreUnavailableReason,
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(`the authority's store cannot write (${reason}); nothing was changed, retry in ${retryAfterSeconds} s`, options);
  }
}

/** Why a store cannot write. */
export type StoreUnavailableReason = 'disk full' | 'read-only' | 'I/O error';

/** A schema migration failed, or the database was written by a newer authority than this one. */
export class MigrationError extends AuthorityError {
  override readonly name = 'MigrationError';
  readonly code = 'MIGRATION_FAILED' as const;
}

/**
 * A stored private key could not be decrypted: almost always the wrong `REVMESH_KEK` for this
 * data folder, otherwise a tampered or corrupted row. Nothing is written when this is thrown.
 */
export class KeyUnwrapError extends AuthorityError {
  override readonly name = 'KeyUnwrapError';
  readonly code = 'KEY_UNWRAP_FAILED' as const;
}

/** Key material decrypted but is unusable (not PKCS#8, wrong curve, unknown envelope version). */
export class KeyInvalidError extends AuthorityError {
  override readonly name = 'KeyInvalidError';
  readonly code = 'KEY_INVALID' as const;
}

/** jose could not sign a token. `cause` is the jose error. */
export class SigningError extends AuthorityError {
  override readonly name = 'SigningError';
  readonly code = 'SIGNING_FAILED' as const;
}

/** A client with this `client_id` is already registered. */
export class ClientExistsError extends AuthorityError {
  override readonly name = 'ClientExistsError';
  readonly code = 'CLIENT_EXISTS' as const;
  constructor(readonly clientId: string) {
    super(`client ${JSON.stringify(clientId)} is already registered`);
  }
}

/**
 * Client authentication failed. Deliberately one error for "unknown client" and "wrong secret"
 * so that nothing downstream can tell them apart (no client enumeration).
 */
export class ClientAuthenticationError extends AuthorityError {
  override readonly name = 'ClientAuthenticationError';
  readonly code = 'CLIENT_AUTHENTICATION_FAILED' as const;
  /**
   * Why, for the audit log only (never for the caller): `invalid` (unknown client, wrong secret,
   * bad assertion), `disabled` (right credentials, but the client is disabled: not throttled),
   * `replayed` (an assertion `jti` seen before).
   */
  constructor(readonly reason: 'invalid' | 'disabled' | 'replayed' = 'invalid', options?: { cause?: unknown }) {
    super('client authentication failed', options);
  }
}

/** No client with this `client_id`. */
export class ClientNotFoundError extends AuthorityError {
  override readonly name = 'ClientNotFoundError';
  readonly code = 'CLIENT_NOT_FOUND' as const;
  constructor(readonly clientId: string) {
    super(`no client ${JSON.stringify(clientId)} is registered (GET /v1/clients lists them)`);
  }
}

/**
 * The action does not fit how the client authenticates, e.g. rotating the secret of a
 * `private_key_jwt` client, which has none (it rotates by publishing new keys in its JWKS).
 */
export class ClientAuthMethodConflictError extends AuthorityError {
  override readonly name = 'ClientAuthMethodConflictError';
  readonly code = 'CLIENT_AUTH_METHOD_CONFLICT' as const;
  constructor(
    readonly clientId: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Too many failed client authentications for this client id or from this address: refused
 * without checking the secret (so it says nothing about whether the client exists, and a correct
 * secret does not get through) until `retryAfterSeconds`.
 */
export class ClientAuthenticationThrottledError extends AuthorityError {
  override readonly name = 'ClientAuthenticationThrottledError';
  readonly code = 'CLIENT_AUTHENTICATION_THROTTLED' as const;
  constructor(readonly retryAfterSeconds: number) {
    super(`too many failed client authentications for this client_id or from this address; try again in ${retryAfterSeconds} s`);
  }
}

/** A token request asked for scopes the client is not registered for. */
export class ScopeNotAllowedError extends AuthorityError {
  override readonly name = 'ScopeNotAllowedError';
  readonly code = 'SCOPE_NOT_ALLOWED' as const;
  constructor(readonly scopes: readonly string[]) {
    super(`scope not allowed for this client: ${scopes.join(' ')}`);
  }
}

/** A token request asked for an audience the client is not registered for. */
export class AudienceNotAllowedError extends AuthorityError {
  override readonly name = 'AudienceNotAllowedError';
  readonly code = 'AUDIENCE_NOT_ALLOWED' as const;
  constructor(readonly audience: string) {
    super(`audience ${JSON.stringify(audience)} is not allowed for this client`);
  }
}

/** No revocation has this id: never had, or it expired and the store retention deleted it (no tombstone is kept). */
export class RevocationNotFoundError extends AuthorityError {
  override readonly name = 'RevocationNotFoundError';
  readonly code = 'REVOCATION_NOT_FOUND' as const;
  constructor(readonly revocationId: string) {
    super(
      `no revocation with id ${JSON.stringify(revocationId)}: unknown, or expired and pruned (an expired revocation is deleted after its retention; the audit log keeps its revocations.create entry)`,
    );
  }
}

/** One refused target of a revocation batch: its position in the request, the field, and why. */
export interface BatchItemError {
  /** Zero-based position of the target in the batch. */
  readonly index: number;
  /** The target's field at fault (`target`, `value`, `iss`). */
  readonly field: string;
  readonly message: string;
}

/**
 * At least one target of a revocation batch is refused (an issuer not trusted, a value out of
 * bounds): the batch is all-or-nothing, so nothing of it was stored. `items` names each one.
 */
export class RevocationBatchInvalidError extends AuthorityError {
  override readonly name = 'RevocationBatchInvalidError';
  readonly code = 'REVOCATION_BATCH_INVALID' as const;
  constructor(readonly items: readonly BatchItemError[]) {
    super(
      `${items.length} target(s) of the batch refused, nothing was stored; first: targets[${items[0]?.index ?? 0}].${items[0]?.field ?? ''} ${items[0]?.message ?? ''}`.trim(),
    );
  }
}

/**
 * A revocation batch holds targets whose type the security policy puts behind a second
 * security-admin (`approvals.requiredFor`: `revocations.sub`, `revocations.client_id`). A batch
 * never waits for an approval and never skips one: it is refused whole (nothing stored); send
 * those targets one by one to `POST /v1/revocations`, which asks for the approval.
 */
export class RevocationBatchNeedsApprovalError extends AuthorityError {
  override readonly name = 'RevocationBatchNeedsApprovalError';
  readonly code = 'REVOCATION_BATCH_NEEDS_APPROVAL' as const;
  constructor(
    readonly items: readonly BatchItemError[],
    readonly actions: readonly string[],
  ) {
    super(
      `${items.length} target(s) of the batch need a second security-admin under the policy (${actions.join(', ')}); a batch cannot wait for approvals, so nothing was stored: send them one by one to POST /v1/revocations`,
    );
  }
}

/** A trusted issuer with this URL is already registered. */
export class IssuerExistsError extends AuthorityError {
  override readonly name = 'IssuerExistsError';
  readonly code = 'ISSUER_EXISTS' as const;
  constructor(readonly issuer: string) {
    super(`issuer ${JSON.stringify(issuer)} is already registered`);
  }
}

/** No trusted issuer is registered under this URL. */
export class IssuerNotFoundError extends AuthorityError {
  override readonly name = 'IssuerNotFoundError';
  readonly code = 'ISSUER_NOT_FOUND' as const;
  constructor(readonly issuer: string) {
    super(`no trusted issuer ${JSON.stringify(issuer)} is registered`);
  }
}

/**
 * A revocation names an issuer that is not registered, or is disabled: its rule would target
 * tokens no sidecar is told to trust. Register it first (`POST /v1/issuers`), or enable it.
 */
export class IssuerNotTrustedError extends AuthorityError {
  override readonly name = 'IssuerNotTrustedError';
  readonly code = 'ISSUER_NOT_TRUSTED' as const;
  constructor(
    readonly issuer: string,
    readonly reason: 'unknown' | 'disabled',
  ) {
    super(
      reason === 'unknown'
        ? `issuer ${JSON.stringify(issuer)} is not a registered trusted issuer; register it first (POST /v1/issuers)`
        : `issuer ${JSON.stringify(issuer)} is disabled; enable it before revoking its tokens`,
    );
  }
}

/** The event built for the outbox does not satisfy the contracts schema (a bug, never input). */
export class EventInvalidError extends AuthorityError {
  override readonly name = 'EventInvalidError';
  readonly code = 'EVENT_INVALID' as const;
}

/** No token-signing key has this `kid`. */
export class KeyNotFoundError extends AuthorityError {
  override readonly name = 'KeyNotFoundError';
  readonly code = 'KEY_NOT_FOUND' as const;
  constructor(readonly kid: string) {
    super(`no signing key with kid ${JSON.stringify(kid)}`);
  }
}

/**
 * A key lifecycle move the transition table does not allow (see keys/key-transitions.ts).
 * Names the key's current state, so the operator sees why without looking it up.
 */
export class KeyStateConflictError extends AuthorityError {
  override readonly name = 'KeyStateConflictError';
  readonly code = 'KEY_STATE_CONFLICT' as const;
  constructor(
    readonly kid: string,
    readonly currentState: string,
    readonly requestedState: string,
    detail?: string,
  ) {
    super(
      `key ${kid} is ${currentState}; it cannot become ${requestedState}` + (detail === undefined ? '' : `: ${detail}`),
    );
  }
}

/** No rotation record has this id. */
export class RotationNotFoundError extends AuthorityError {
  override readonly name = 'RotationNotFoundError';
  readonly code = 'ROTATION_NOT_FOUND' as const;
  constructor(readonly rotationId: string) {
    super(`no rotation with id ${JSON.stringify(rotationId)}`);
  }
}

/**
 * A staged rotation (token key or event signer) is already waiting at its promotion gate.
 * Emergency compromise is never refused for this reason: it overtakes the staged rotation.
 */
export class RotationInProgressError extends AuthorityError {
  override readonly name = 'RotationInProgressError';
  readonly code = 'ROTATION_IN_PROGRESS' as const;
  constructor(readonly rotationId: string, what = 'a key rotation') {
    super(`${what} is already in progress (${rotationId}); wait for it to finish`);
  }
}

/** The rotation cannot be rolled back (not completed, already rolled back, or it promoted no key). */
export class RotationNotRollbackableError extends AuthorityError {
  override readonly name = 'RotationNotRollbackableError';
  readonly code = 'ROTATION_NOT_ROLLBACKABLE' as const;
  constructor(readonly rotationId: string, why: string) {
    super(`rotation ${rotationId} cannot be rolled back: ${why}`);
  }
}

/** A rollback would re-activate a revoked key: refused, whatever the reason given. */
export class RollbackTargetRevokedError extends AuthorityError {
  override readonly name = 'RollbackTargetRevokedError';
  readonly code = 'ROLLBACK_TARGET_REVOKED' as const;
  constructor(readonly rotationId: string, readonly kid: string) {
    super(
      `rotation ${rotationId} replaced key ${kid}, which is revoked: a revoked key never signs again. ` +
        'Rotate to the standby instead (POST /v1/keys/rotate)',
    );
  }
}

/** One invalid field of a security policy: `field` is a dotted path such as `approvals.windowSeconds`. */
export interface PolicyFieldError {
  readonly field: string;
  readonly message: string;
}

/**
 * A security policy (file, stored version or API body) is invalid. `source` names where it came
 * from (the file path, `policy` for an API body); the message has one line per field, e.g.
 * `policy.yaml: approvals.windowSeconds: must be at least 60`.
 */
export class PolicyInvalidError extends AuthorityError {
  override readonly name = 'PolicyInvalidError';
  readonly code = 'POLICY_INVALID' as const;
  constructor(
    readonly source: string,
    readonly errors: readonly PolicyFieldError[],
  ) {
    super(errors.map((e) => `${source}: ${e.field}: ${e.message}`).join('\n'));
  }
}

/** No approval request has this id. */
export class ApprovalNotFoundError extends AuthorityError {
  override readonly name = 'ApprovalNotFoundError';
  readonly code = 'APPROVAL_NOT_FOUND' as const;
  constructor(readonly approvalId: string) {
    super(`no approval request with id ${JSON.stringify(approvalId)}`);
  }
}

/** Two-person rule: the operator who asked for an action cannot be the one who approves it. */
export class SelfApprovalError extends AuthorityError {
  override readonly name = 'SelfApprovalError';
  readonly code = 'SELF_APPROVAL' as const;
  constructor(readonly approvalId: string) {
    super(`approval request ${approvalId} was made by you; another security-admin must approve it`);
  }
}

/** The approval request waited longer than its window: it is expired and can never execute. */
export class ApprovalExpiredError extends AuthorityError {
  override readonly name = 'ApprovalExpiredError';
  readonly code = 'APPROVAL_EXPIRED' as const;
  constructor(readonly approvalId: string, readonly expiredAt: number) {
    super(`approval request ${approvalId} expired at ${new Date(expiredAt).toISOString()}; ask again`);
  }
}

/** The approval request was already decided (approved, denied, expired) or is executing. */
export class ApprovalNotPendingError extends AuthorityError {
  override readonly name = 'ApprovalNotPendingError';
  readonly code = 'APPROVAL_NOT_PENDING' as const;
  constructor(readonly approvalId: string, readonly state: string) {
    super(`approval request ${approvalId} is ${state}, not pending`);
  }
}

/**
 * Separation of duties: the approver was created, given a higher role, re-enabled or handed an
 * enrolment code by the requester within the policy's `approvals.coolingOffSeconds`.
 */
export class ApproverSponsoredError extends AuthorityError {
  override readonly name = 'ApproverSponsoredError';
  readonly code = 'APPROVER_SPONSORED' as const;
  constructor(
    readonly approvalId: string,
    readonly requester: string,
    /** What the requester did for the approver: `created`, `raised`, `enabled` or `enrolment`. */
    readonly sponsorship: string,
    /** When the approver may decide this requester's requests (epoch ms). */
    readonly until: number,
  ) {
    super(
      `${requester} ${sponsorship === 'enrolment' ? 'handed you an enrolment code' : `${sponsorship} your account`} recently; ` +
        `you cannot approve their request ${approvalId} before ${new Date(until).toISOString()}: ask another security-admin`,
    );
  }
}

/** An enrolment code that is unknown, expired, already used or withdrawn (one error for all). */
export class EnrolmentCodeInvalidError extends AuthorityError {
  override readonly name = 'EnrolmentCodeInvalidError';
  readonly code = 'ENROLMENT_CODE_INVALID' as const;
  constructor() {
    super('the enrolment code is unknown, expired or already used; ask a security-admin for a new one');
  }
}

/** An enrolment code was asked for an operator who has a password and TOTP (reset the second factor first). */
export class OperatorEnrolledError extends AuthorityError {
  override readonly name = 'OperatorEnrolledError';
  readonly code = 'OPERATOR_ENROLLED' as const;
  constructor(readonly username: string) {
    super(`${username} is enrolled already; reset their second factor (an approvable action) to let them enrol again`);
  }
}

/**
 * An operator login or step-up failed. Deliberately one error for an unknown operator, a wrong
 * password, a wrong or replayed TOTP code and a disabled account (no operator enumeration).
 */
export class InvalidCredentialsError extends AuthorityError {
  override readonly name = 'InvalidCredentialsError';
  readonly code = 'INVALID_CREDENTIALS' as const;
  constructor() {
    super('invalid username, password or one-time code');
  }
}

/**
 * Too many failed logins for this username or from this address: refused without checking the
 * credentials (so it says nothing about whether the operator exists) until `retryAfterSeconds`.
 */
export class LoginThrottledError extends AuthorityError {
  override readonly name = 'LoginThrottledError';
  readonly code = 'LOGIN_THROTTLED' as const;
  constructor(readonly retryAfterSeconds: number) {
    super(`too many failed logins; try again in ${retryAfterSeconds} s`);
  }
}

/** An operator with this username (compared case-insensitively) exists. */
export class OperatorExistsError extends AuthorityError {
  override readonly name = 'OperatorExistsError';
  readonly code = 'OPERATOR_EXISTS' as const;
  constructor(readonly username: string) {
    super(`an operator named ${JSON.stringify(username)} exists`);
  }
}

/** No operator has this username. */
export class OperatorNotFoundError extends AuthorityError {
  override readonly name = 'OperatorNotFoundError';
  readonly code = 'OPERATOR_NOT_FOUND' as const;
  constructor(readonly username: string) {
    super(`no operator named ${JSON.stringify(username)}`);
  }
}

/** Bootstrap creates the first security-admin only: one exists (enabled or disabled). */
export class BootstrapDoneError extends AuthorityError {
  override readonly name = 'BootstrapDoneError';
  readonly code = 'BOOTSTRAP_DONE' as const;
  constructor() {
    super('a security-admin exists already; ask one to add operators');
  }
}

/**
 * An operator token was refused: bad signature, wrong audience, expired, its session ended, or
 * its operator disabled. `reason` is for logs and the audit log, never for the caller.
 */
export class OperatorTokenInvalidError extends AuthorityError {
  override readonly name = 'OperatorTokenInvalidError';
  readonly code = 'OPERATOR_TOKEN_INVALID' as const;
  constructor(readonly reason: string, options?: { cause?: unknown }) {
    super(`operator token refused: ${reason}`, options);
  }
}

/** Disabling this operator would leave no enabled security-admin (nobody could manage operators). */
export class LastSecurityAdminError extends AuthorityError {
  override readonly name = 'LastSecurityAdminError';
  readonly code = 'LAST_SECURITY_ADMIN' as const;
  constructor(readonly username: string) {
    super(`${username} is the last enabled security-admin; add another one before disabling it`);
  }
}

/** A kill-switch lift for a scope that is not engaged (never engaged, or already lifted). */
export class KillSwitchNotEngagedError extends AuthorityError {
  override readonly name = 'KillSwitchNotEngagedError';
  readonly code = 'KILL_SWITCH_NOT_ENGAGED' as const;
  constructor(readonly scope: string) {
    super(`the kill switch for ${scope} is not engaged; there is nothing to lift`);
  }
}

/** RFC 6749 / RFC 8693 error codes a session grant (token exchange, refresh) answers with. */
export type SessionGrantErrorCode = 'invalid_request' | 'invalid_grant' | 'unauthorized_client' | 'invalid_target' | 'invalid_scope';

/**
 * A token exchange or refresh was refused. `oauthError` is the RFC 6749 §5.2 code the token
 * endpoint answers; the message is safe to show the client (it never echoes a token).
 */
export class SessionGrantRefusedError extends AuthorityError {
  override readonly name = 'SessionGrantRefusedError';
  readonly code = 'SESSION_GRANT_REFUSED' as const;
  constructor(readonly oauthError: SessionGrantErrorCode, message: string) {
    super(message);
  }
}

/** No session has this sid. */
export class SessionNotFoundError extends AuthorityError {
  override readonly name = 'SessionNotFoundError';
  readonly code = 'SESSION_NOT_FOUND' as const;
  constructor(readonly sid: string) {
    super(`no session ${sid}`);
  }
}

/** The client may not introspect tokens (the policy's `introspection.clients` does not list it). */
export class IntrospectionNotAllowedError extends AuthorityError {
  override readonly name = 'IntrospectionNotAllowedError';
  readonly code = 'INTROSPECTION_NOT_ALLOWED' as const;
  constructor(readonly clientId: string) {
    super(`client ${clientId} may not introspect tokens (policy introspection.clients)`);
  }
}

/**
 * A token request's DPoP proof (RFC 9449) was refused: `invalid_dpop_proof`, or `use_dpop_nonce`
 * with the nonce to retry with (`DPoP-Nonce` header). The message is safe to show the client.
 */
export class DpopProofError extends AuthorityError {
  override readonly name = 'DpopProofError';
  readonly code = 'DPOP_PROOF_INVALID' as const;
  constructor(
    readonly oauthError: 'invalid_dpop_proof' | 'use_dpop_nonce',
    message: string,
    readonly nonce?: string,
  ) {
    super(message);
  }
}

/** No incident has this id (the incident routes: 404). */
export class IncidentNotFoundError extends AuthorityError {
  override readonly name = 'IncidentNotFoundError';
  readonly code = 'INCIDENT_NOT_FOUND' as const;
  constructor(readonly incidentId: string) {
    super(`no incident with id ${JSON.stringify(incidentId)}`);
  }
}

/**
 * The `incident` field of an action's request names no incident: the request is refused
 * (422 naming the field) and nothing of the action is stored.
 */
export class IncidentUnknownError extends AuthorityError {
  override readonly name = 'IncidentUnknownError';
  readonly code = 'INCIDENT_UNKNOWN' as const;
  constructor(readonly incidentId: string) {
    super(`incident ${JSON.stringify(incidentId)} does not exist (revmesh incident list); nothing was done`);
  }
}

/** The incident is resolved: nothing more can be linked to it (open a new one). */
export class IncidentClosedError extends AuthorityError {
  override readonly name = 'IncidentClosedError';
  readonly code = 'INCIDENT_CLOSED' as const;
  constructor(readonly incidentId: string) {
    super(`incident ${incidentId} is resolved: actions can no longer be linked to it; nothing was done`);
  }
}

/** A status change the transition table does not allow (e.g. resolved → open). */
export class IncidentTransitionError extends AuthorityError {
  override readonly name = 'IncidentTransitionError';
  readonly code = 'INCIDENT_TRANSITION_REFUSED' as const;
  constructor(
    readonly incidentId: string,
    readonly currentState: string,
    readonly requestedState: string,
    readonly allowed: readonly string[],
  ) {
    super(
      `incident ${incidentId} is ${currentState}; it cannot become ${requestedState} (` +
        (allowed.length === 0 ? 'it is final' : `allowed next: ${allowed.join(', ')}`) +
        ')',
    );
  }
}

/** The incident has no follow-up with this id (404). */
export class IncidentFollowUpNotFoundError extends AuthorityError {
  override readonly name = 'IncidentFollowUpNotFoundError';
  readonly code = 'INCIDENT_FOLLOW_UP_NOT_FOUND' as const;
  constructor(
    readonly incidentId: string,
    readonly followUpId: string,
  ) {
    super(`incident ${incidentId} has no follow-up with id ${JSON.stringify(followUpId)}`);
  }
}

/** `POST /v1/incidents/:id/links` named an action that does not exist. */
export class IncidentLinkTargetUnknownError extends AuthorityError {
  override readonly name = 'IncidentLinkTargetUnknownError';
  readonly code = 'INCIDENT_LINK_TARGET_UNKNOWN' as const;
  constructor(
    readonly kind: string,
    readonly actionId: string,
  ) {
    super(`no ${kind} with id ${JSON.stringify(actionId)} to link`);
  }
}

/**
 * `store:copy` will not copy: the source and target schemas are at different versions or differ
 * in tables or columns, the target already holds data, or the source is in use. Nothing was written.
 */
export class StoreCopyRefusedError extends AuthorityError {
  override readonly name = 'StoreCopyRefusedError';
  readonly code = 'STORE_COPY_REFUSED' as const;
}

/**
 * The copied data did not verify: a table's row count differs, or the audit log on the target
 * fails its chain, checkpoint-signature or signed-copy check. `committed` says whether the copy
 * was rolled back (false: the target is as before) or is in the target (true: drop it).
 */
export class StoreCopyUnverifiedError extends AuthorityError {
  override readonly name = 'StoreCopyUnverifiedError';
  readonly code = 'STORE_COPY_UNVERIFIED' as const;
  constructor(
    message: string,
    readonly committed: boolean,
  ) {
    super(message);
  }
}
