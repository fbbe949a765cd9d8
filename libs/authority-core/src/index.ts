// The public surface of authority-core: what apps/authority needs, and the types its
// signatures mention. Everything else (store internals, relay factory, envelope) stays private.
export {
  openAuthorityCore,
  type AuthorityCore,
  type AuthorityCoreOptions,
  type EventSigners,
  type HeartbeatOptions,
  type RelayOptions,
  type RotationDetails,
} from './authority-core';
export {
  AudienceNotAllowedError,
  AuthorityError,
  BootstrapDoneError,
  InvalidCredentialsError,
  LastSecurityAdminError,
  LoginThrottledError,
  ClientAuthenticationThrottledError,
  ApproverSponsoredError,
  EnrolmentCodeInvalidError,
  OperatorEnrolledError,
  OperatorExistsError,
  OperatorNotFoundError,
  OperatorTokenInvalidError,
  ClientAuthenticationError,
  ClientExistsError,
  ClientNotFoundError,
  ClientAuthMethodConflictError,
  EventInvalidError,
  IssuerExistsError,
  IssuerNotFoundError,
  IssuerNotTrustedError,
  KeyInvalidError,
  KeyNotFoundError,
  KeyStateConflictError,
  KeyUnwrapError,
  MigrationError,
  RevocationNotFoundError,
  RevocationBatchInvalidError,
  RevocationBatchNeedsApprovalError,
  type BatchItemError,
  RollbackTargetRevokedError,
  RotationInProgressError,
  RotationNotFoundError,
  RotationNotRollbackableError,
  ScopeNotAllowedError,
  IntrospectionNotAllowedError,
  SessionGrantRefusedError,
  SessionNotFoundError,
  type SessionGrantErrorCode,
  SigningError,
  StoreError,
  StoreLockedError,
  NotLeaderError,
  LeaseLostError,
  StoreUnavailableError,
  type StoreUnavailableReason,
  type AuthorityErrorCode,
} from './errors/errors';
export {
  CLIENT_ID_PATTERN,
  MAX_AUDIENCE_LENGTH,
  MAX_CLIENT_LIST,
  SCOPE_TOKEN_PATTERN,
  type Client,
  type ClientAuthMethod,
  type ClientDetails,
  type ClientListQuery,
  type ClientPage,
  type ClientRegistration,
  type ClientRegistry,
  type ClientSecretInfo,
  type KeyClientRegistration,
  type RegisteredClient,
  type SecretClientRegistration,
} from './clients/client-registry';
export { CLIENT_AUTHENTICATION_ACTION, type ClientAuthentication, type PresentedClientCredentials } from './clients/client-authentication';
export {
  CLIENT_ASSERTION_ALGORITHMS,
  CLIENT_ASSERTION_TYPE,
  DEFAULT_MAX_ASSERTION_LIFETIME_SECONDS,
  createClientAssertionVerifier,
  type ClientAssertionVerifier,
  type ClientAssertionVerifierOptions,
} from './clients/client-assertion';
export { clientJwksProblem, encryptionJwkProblem, jwksUriProblem, MAX_CLIENT_JWKS_KEYS, MAX_JWKS_URI_LENGTH } from './clients/client-keys';
export { SEALED_SECRET_ENC, sealSecret } from './clients/secret-sealing';
export type { ClientLifecycle, DisabledClient, IssuedClient, IssuedSecret, SecretRotation } from './clients/client-lifecycle';
export { secretsEqual } from './crypto/constant-time';
export type { AdminAction, AdminActionLog, AdminActionName } from './admin/admin-actions';
export type { EventSignerState, StoredEventSigner } from './event-signers/signer-store';
export type { EventSignerRotation, SignerRotationResult } from './event-signers/signer-rotation';
export type { KeyEventLog, KeyEventRecord, KeyEventSubject } from './events/key-event-log';
export { rewrapKek, type RewrapKekOptions, type RewrapKekResult } from './kek/rewrap-kek';
export type { StoredSigningKey } from './keys/key-store';
export { canTransition, KEY_TRANSITIONS } from './keys/key-transitions';
export type { PublicSigningJwk, SigningAlg, SigningKey, SigningKeys } from './keys/signing-keys';
export type { AuthorityLogger } from './logging/logger';
export { backoffDelay, type BackoffOptions } from './outbox/backoff';
export type { OutboxRelay, OutboxRelayState, OutboxRelayStatus } from './outbox/outbox-relay';
export { DEFAULT_LEASE_TIMINGS, resolveLeaseTimings, type LeaseTimings, type LeaseView } from './leadership/lease-keeper';
export type { LeaderTask, Leadership, LeadershipStatus } from './leadership/leadership';
export { LEADER_EPOCH_HEADER, leaderPublisher, relayTransactionalId } from './leadership/leader-publisher';
export type { TopicGuardWiring } from './composition/topic-guard-part';
export type { SnapshotPublisherWiring } from './authority-core';
export { DEFAULT_SNAPSHOT_INTERVAL_MS, type SnapshotPublisher, type SnapshotSummary } from './snapshots/snapshot-publisher';
export { DEFAULT_TOPIC_CHECK_MS, type TopicCheckOutcome, type TopicGuard } from './topics/topic-guard';
export { DEFAULT_READINESS_BOUNDS, evaluateReadiness, type Readiness, type ReadinessBounds, type ReadinessInputs, type ReadinessReason, type ReadinessStatus } from './health/readiness';
export type { OutboxEntry, OutboxStore } from './outbox/outbox-store';
export {
  MAX_REASON_LENGTH,
  MAX_TARGET_VALUE_LENGTH,
  type Revocation,
  type RevocationStatus,
} from './revocations/revocation';
export {
  MISSED_HEARTBEATS_UNTIL_GONE,
  type CoverageEntry,
  type CoverageTarget,
  type EventCoverage,
  type InstanceDirectory,
  type SidecarInstance,
  type InstanceStaleness,
} from './reports/instance-directory';
export type { ReportSinkStats, SidecarReportSink } from './reports/report-sink';
export type { RevocationService, RevokeInput } from './revocations/revocation-service';
export { MAX_BATCH_TARGETS, type BatchTarget, type RevocationBatch, type RevokeBatchInput } from './revocations/revocation-batch';
export { MAX_ISSUER_DESCRIPTION_LENGTH, MAX_ISSUER_LENGTH, issuerUrlProblem, type TrustedIssuer } from './issuers/trusted-issuer';
export type { IssuerRegistration, IssuerRegistry } from './issuers/issuer-registry';
export type { KeyCalendar } from './rotation/key-calendar';
export type { GateResult } from './rotation/promotion-gate';
export { DEFAULT_ROTATION_POLICY, validateRotationPolicy, type RotationPolicy } from './rotation/rotation-policy';
export type { RotationScheduler, TickOutcome } from './rotation/rotation-scheduler';
export type { AdminRequest, RotationService } from './rotation/rotation-service';
export type { RotationKind, RotationRecord, RotationStatus } from './rotation/rotation-store';
export type { AuthorityStore } from './store/store';
export { sqliteNative } from './store/sqlite-connection';
export { STORE_MIN_FREE_BYTES, STORE_RETRY_AFTER_SECONDS, storeUnavailableReason, type StoreHealth } from './store/store-availability';
export type { Clock, Milliseconds, Seconds, Sleep } from './time/clock';
export type { AccessTokenClaims, ActorClaim, ClientCredentialsRequest, IssuedToken, SessionTokenRequest, TokenIssuer } from './tokens/token-issuer';
export {
  EXCHANGEABLE_TOKEN_TYPES,
  SESSION_AUDIT,
  TOKEN_TYPE_ACCESS_TOKEN,
  TOKEN_TYPE_JWT,
  type Introspection,
  type SessionService,
  type SessionTokens,
  type TokenExchangeRequest,
} from './sessions/session-service';
export type { SessionEndReason, SessionFilter, SessionRecord } from './sessions/session-store';
export type { InactiveReason, TokenStatus, TokenStatusEvaluator } from './sessions/token-status';
export { REFRESH_TOKEN_PREFIX } from './sessions/refresh-token';
export { sessionSubject } from './sessions/session-subject';
// Store backup and restore (npm run store:backup / store:restore).
export { backupStore, restoreStore, type StoreBackupCheck, type StoreBackupOptions, type StoreRestoreOptions, type StoreRestoreResult } from './store/store-backup';
export { SELF_ISSUER, SESSION_POLICY_DEFAULTS, type ExchangeRule } from './sessions/session-policy';
export {
  DEFAULT_ANOMALY_THRESHOLDS,
  NON_AUTH_FAILURE_RESULTS,
  validateAnomalyThresholds,
  type Alert,
  type AlertDetails,
  type AlertSeverity,
  type AnomalyDetector,
  type AnomalyThresholds,
} from './anomalies/anomaly-detector';
export { alertRaisedEvent } from './anomalies/alert-outbox';
export { authorityHeartbeatEvent, DEFAULT_AUTHORITY_HEARTBEAT_MS, type AuthorityHeartbeat } from './heartbeat/authority-heartbeat';
export type { AuthorityMetrics } from './telemetry/authority-metrics';
export { ATTR, AUTHORITY_METER, AUTHORITY_TRACER, METRIC, SPAN } from './telemetry/names';
export { activeTraceFields, activeTraceparent, contextFromTraceparent, formatTraceparent } from './telemetry/trace-context';
// SSF transmitter (revocations out as SETs).
export {
  SSF_TRANSMITTER_PATHS,
  type PollResponse,
  type ReceiverRequestOrigin,
  type SsfTransmitter,
  type SsfTransmitterSettings,
  type StreamOverview,
  type TransmitterMetadata,
} from './ssf/transmitter/ssf-transmitter';
export { SSF_MANAGE_SCOPE, SSF_READ_SCOPE, type ReceiverAccess, type ReceiverIdentity } from './ssf/transmitter/receiver-auth';
export type { StreamConfiguration, StreamStatusView } from './ssf/transmitter/stream-view';
export {
  SsfReceiverForbiddenError,
  SsfReceiverUnauthorizedError,
  SsfRequestInvalidError,
  SsfStreamConflictError,
  SsfStreamNotFoundError,
  SsfTooManyRequestsError,
  type SsfFieldError,
} from './ssf/transmitter/transmitter-errors';
// Operators, audit, policy, approvals, kill switch: shared types.
export { ROLES, isRole, roleAtLeast, type Role } from './operators/roles';
export {
  OPERATOR_TOKEN_AUDIENCE,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  USERNAME_PATTERN,
  type AuthenticatedOperator,
  type CreatedOperator,
  type EnrolmentCode,
  type EnrolmentOffer,
  type InvitedOperator,
  type Operator,
  type OperatorLogin,
  type TotpEnrolment,
} from './operators/operator';
export type { EnrolmentCompletion, LoginCredentials, NewOperator, OperatorService, RequestOrigin } from './operators/operator-service';
export { ENROLMENT_CODE_PATTERN } from './operators/enrolment-code';
export type { PasswordHashCost } from './operators/password-hasher';
export { actorAuditContext, systemAuditContext, type AuditContext, type AuditOutcome } from './audit/audit-context';
export type { AuditEntryInput, AuditLog, AuditRecord } from './audit/audit-log';
export type { AuthorityAudit } from './audit/authority-audit';
export type { AnonymousRefusalAudit } from './audit/anonymous-refusals';
export { UNAUTHENTICATED_REFUSALS_AUDITED_PER_MINUTE } from './audit/refusal-audit-budget';
export type { AuditPurgeResult } from './audit/audit-retention';
export { DEFAULT_STORE_RETENTION, STORE_RETENTION_BOUNDS, validateStoreRetention, type StoreRetentionPeriods } from './retention/retention-periods';
export type { StoreRetentionResult } from './retention/store-retention';
export { MAX_AUDIT_PAGE, type AuditTrail } from './audit/audit-store';
export { verifyAuditStore, type AuditStoreVerification, type SignedCopiesVerification } from './audit/verify-audit-store';
export { copyAuthorityStore, type CopyAuthorityStoreOptions } from './store-copy/copy-authority-store';
export { copySourceDataDir } from './store-copy/copy-source';
export { DEFAULT_COPY_BATCH_ROWS, type StoreCopySummary, type TableCopySummary } from './store-copy/copy-store';
export { StoreCopyRefusedError, StoreCopyUnverifiedError } from './errors/errors';
export {
  APPROVABLE_ACTIONS,
  DEFAULT_APPROVAL_REQUIRED,
  DEFAULT_POLICY,
  policyDocumentSchema,
  type ApprovableAction,
  type PolicyDocument,
  type PolicySource,
} from './policy/policy-document';
export type { PolicyChange } from './policy/policy-changes';
export type { PolicyStore, PolicyVersion, PolicyVersionChanges, PolicyVersionSource } from './policy/policy-store';
export type { PolicyLimits } from './policy/policy-validation';
export { PolicyInvalidError, type PolicyFieldError } from './errors/errors';
export type { Approval, ApprovalExecutor, ApprovalGate, ApprovalState, SubmitOutcome } from './approvals/approval-gate';
export { MAX_APPROVAL_LIST, type ApprovalService } from './approvals/approval-service';
export type { ApprovalParams } from './approvals/approval-executors';
export { ApprovalExpiredError, ApprovalNotFoundError, ApprovalNotPendingError, SelfApprovalError } from './errors/errors';
export type { KillSwitchScope, KillSwitchService, KillSwitchState } from './kill-switch/kill-switch';
export { KillSwitchNotEngagedError } from './errors/errors';
// SSF receiver (CAEP/RISC events in).
export {
  DEFAULT_SSF_POLL_INTERVAL_MS,
  MAX_SET_BYTES,
  SSF_PUSH_PATH,
  TRANSMITTER_ID_PATTERN,
  type AddTransmitterInput,
  type SetReceipt,
  type SsfReceiver,
  type TransmitterView,
} from './ssf/receiver/ssf-receiver';
export { SET_REFUSAL_CODES, SetRefusedError, type SetRefusalCode } from './ssf/receiver/set-refusal';
export { TransmitterExistsError, TransmitterNotFoundError, TransmitterRequestError } from './ssf/receiver/transmitter-errors';
export { SET_MEDIA_TYPE, SET_TYP, SET_EVENT_TYPES, type SetPayload, type SubjectIdentifier } from './ssf/set-types';
export { DpopProofError } from './errors/errors';
export {
  checkRefreshTokenBinding,
  createDpopTokenBinding,
  isPublicClient,
  refreshTokenJkt,
  type DpopBinding,
  type DpopTokenBinding,
  type DpopTokenBindingOptions,
  type DpopTokenRequest,
} from './dpop/dpop-token-binding';
export { CLIENT_DPOP_REQUIREMENT_ACTION, createClientDpopRequirement, type ClientDpopRequirement } from './dpop/client-dpop-requirement';
export {
  INCIDENT_KINDS,
  INCIDENT_LINK_KINDS,
  INCIDENT_SEVERITIES,
  INCIDENT_STATUSES,
  INCIDENT_TRANSITIONS,
  MAX_INCIDENT_TITLE_LENGTH,

  type Incident,
  type IncidentKind,
  type IncidentLink,
  type IncidentLinkKind,
  type IncidentSeverity,
  type IncidentStatus,
} from './incidents/incident';
export type { IncidentService, IncidentWithLinks, OpenIncidentInput, UpdateIncidentInput } from './incidents/incident-service';
export {
  FOLLOW_UP_STATUSES,
  MAX_FOLLOW_UP_OWNER_LENGTH,
  MAX_FOLLOW_UP_TEXT_LENGTH,
  type FollowUpStatus,
  type IncidentFollowUp,
  type IncidentFollowUps,
} from './incidents/incident-follow-ups';
export { IncidentFollowUpNotFoundError } from './errors/errors';
export { DEFAULT_LATE_AFTER_MS, followUpWire, MAX_LATE_AFTER_MS } from './incidents/incident-report';
export type { Containment, IncidentTimeline, ServiceCoverage, TimelineEntry } from './incidents/incident-timeline';
export type { IncidentsPart } from './composition/incidents-part';
export {
  IncidentClosedError,
  IncidentLinkTargetUnknownError,
  IncidentNotFoundError,
  IncidentTransitionError,
  IncidentUnknownError,
} from './errors/errors';
export {
  COMMS_AUDIENCES,
  COMMS_WEBHOOK_KINDS,
  DEFAULT_COMMS_TEMPLATES,
  DEFAULT_WHAT_TO_DO,
  MAX_WHAT_TO_DO_LENGTH,
  type CommsAudience,
  type CommsPolicy,
  type CommsWebhook,
  type CommsWebhookKind,
} from './comms/comms-policy';
export { COMMS_PLACEHOLDERS, renderTemplate, templateErrors, type CommsFacts, type CommsPlaceholder } from './comms/comms-template';
export { COMMS_CUSTOMERS_ACTION, type CommsCustomersParams, type CommsPreview, type CommsSendInput, type CommsService } from './comms/comms-service';
export type { CommsDelivery, CommsDeliveryState, CommsMessage, CommsMessageWithDeliveries } from './comms/comms-store';
export { DEFAULT_COMMS_DELIVERY, type CommsDeliverySettings } from './comms/comms-dispatcher';
export type { CommsOptions } from './composition/comms-part';
export { parseWebhookSecret, signWebhook, WEBHOOK_SECRET_PREFIX, type EnvReader, type WebhookFetch } from './comms/webhook-delivery';
export { CommsNoWebhookError, CommsSecondOperatorRequiredError, CommsTextChangedError, CommsWebhookUnusableError } from './comms/comms-errors';
