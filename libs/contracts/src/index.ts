export { actorSchema, type Actor } from './events/envelope';
export {
  REVOCATION_ISSUED,
  REVOCATION_TARGET_TYPES,
  revocationIssuedV1Schema,
  revocationTargetSchema,
  type RevocationIssuedEvent,
  type RevocationTarget,
  type RevocationTargetType,
} from './events/revocation-issued';
export {
  KEY_STATE_CHANGED,
  KEY_STATES,
  keyStateChangedV1Schema,
  publicJwkSchema,
  type KeyState,
  type KeyStateChangedEvent,
  type PublicJwk,
} from './events/key-state-changed';
export {
  EVENT_SIGNER_ANNOUNCED,
  EVENT_SIGNER_WITHDRAWN,
  eventSignerAnnouncedV1Schema,
  eventSignerJwkSchema,
  eventSignerWithdrawnV1Schema,
  type EventSignerAnnouncedEvent,
  type EventSignerJwk,
  type EventSignerWithdrawnEvent,
} from './events/event-signer';
export { AUTHORITY_HEARTBEAT, authorityHeartbeatV1Schema, type AuthorityHeartbeatEvent } from './events/authority-heartbeat';
export { ALERT_RAISED, alertRaisedV1Schema, ANOMALY_KINDS, type AlertRaisedEvent, type AnomalyKind } from './events/alert-raised';
export {
  KILL_SWITCH_CHANGED,
  killSwitchChangedV1Schema,
  killSwitchScopeSchema,
  type KillSwitchChangedEvent,
  type KillSwitchScopeWire,
} from './events/kill-switch-changed';
export {
  AUDIT_BATCH_RECORDED,
  AUDIT_RECORDED,
  auditBatchRecordedV1Schema,
  auditRecordedV1Schema,
  MAX_AUDIT_BATCH_ENTRIES,
  type AuditBatchRecordedEvent,
  type AuditRecordedEvent,
} from './events/audit-recorded';
export { revmeshEventSchema, SUPPORTED_EVENT_VERSIONS, type RevmeshEvent, type RevmeshEventType } from './events/event';
export { decodeEvent, encodeEvent, MAX_EVENT_BYTES, type DecodeResult, type EventRejectionReason } from './events/codec';
export {
  decodeSidecarReport,
  encodeSidecarReport,
  SIDECAR_ACK,
  SIDECAR_BLOCKED,
  SIDECAR_HEARTBEAT,
  sidecarAckV1Schema,
  sidecarBlockedV1Schema,
  sidecarHeartbeatV1Schema,
  sidecarReportSchema,
  type ReportDecodeResult,
  type SidecarAck,
  type SidecarBlocked,
  type SidecarHeartbeat,
  type SidecarReport,
} from './events/sidecar-report';
export {
  EVENT_JWS_ALG,
  EVENT_JWS_TYP,
  openSignedEvent,
  openSignedEventSync,
  signEvent,
  type EventSignerTrust,
  type EventSigningKey,
  type OpenedEvent,
} from './signing/signed-event';
export {
  acksTopicSpec,
  alertsTopicSpec,
  auditRecordKey,
  auditTopicSpec,
  AUTHORITY_HEARTBEAT_KEY,
  DEFAULT_TOPIC_PREFIX,
  eventSignerKey,
  eventSignerWithdrawalKey,
  keyEventKey,
  keysTopicSpec,
  killSwitchKey,
  revocationKey,
  revocationTopicSpec,
  snapshotTopicSpec,
  topicNames,
  type RevocationTopicOptions,
  type TopicNames,
  type TopicSpec,
} from './topics/topics';
export { isValidTraceparent, TRACEPARENT_HEADER, TRACESTATE_HEADER } from './tracing/trace-headers';
export { canonicalJson } from './audit/canonical-json';
export {
  AUDIT_GENESIS_HASH,
  AUDIT_OUTCOMES,
  auditEntryHash,
  auditEntrySchema,
  sealAuditEntry,
  type AuditEntry,
  type AuditOutcomeName,
  type UnhashedAuditEntry,
} from './audit/audit-entry';
export {
  AUDIT_CHECKPOINT_JWS_TYP,
  auditCheckpointBodySchema,
  auditCheckpointMatchesSignature,
  auditCheckpointSchema,
  signAuditCheckpoint,
  verifyAuditCheckpointSignature,
  type AuditCheckpoint,
  type AuditCheckpointBody,
  type CheckpointSignatureResult,
} from './audit/audit-checkpoint';
export {
  auditCheckpointLine,
  auditEntryLine,
  auditExportLineSchema,
  verifyAuditChain,
  verifyAuditExport,
  type AuditChainProblem,
  type AuditChainVerification,
  type AuditExportLine,
  type VerifyAuditChainOptions,
} from './audit/verify-audit-chain';
export {
  assembleSnapshot,
  DEFAULT_SNAPSHOT_CHUNK_BYTES,
  openSnapshotManifest,
  parseSnapshotChunk,
  signSnapshot,
  SNAPSHOT_JWS_TYP,
  SNAPSHOT_MANIFEST_KEY,
  snapshotChunkKey,
  snapshotManifestSchema,
  type AssembledSnapshot,
  type OpenedSnapshotManifest,
  type SignSnapshotInput,
  type SnapshotChunk,
  type SnapshotManifest,
  type SnapshotRecord,
  type SnapshotRefusalReason,
} from './snapshots/signed-snapshot';
export {
  encodeSnapshotRules,
  forEachSnapshotRule,
  mergeSnapshotRules,
  SnapshotFormatError,
  type SnapshotRule,
} from './snapshots/snapshot-rules';
export { EVENT_BATCH_JWS_TYP, MAX_EVENT_BATCH, signEventBatch } from './signing/batch-signed-event';
export { precheckEventSignatures } from './signing/signature-precheck';
export {
  accessTokenHash,
  checkDpopAlgorithms,
  DEFAULT_DPOP_ALGORITHMS,
  DEFAULT_DPOP_CLOCK_TOLERANCE_SECONDS,
  DEFAULT_DPOP_MAX_AGE_SECONDS,
  DPOP_ASYMMETRIC_ALGORITHMS,
  DPOP_PROOF_TYP,
  MAX_DPOP_PROOF_BYTES,
  normalizeHtu,
  verifyDpopProof,
  type DpopAlgorithm,
  type DpopProof,
  type DpopProofExpectations,
  type DpopProofFailureReason,
  type DpopProofOptions,
  type DpopProofResult,
} from './dpop/dpop-proof';
export {
  createDpopReplayCache,
  DEFAULT_DPOP_REPLAY_CACHE_ENTRIES,
  type DpopReplayCache,
  type DpopReplayCacheOptions,
  type DpopReplayVerdict,
} from './dpop/dpop-replay-cache';
export { createDpopNonces, DEFAULT_DPOP_NONCE_PERIOD_SECONDS, type DpopNonces, type DpopNoncesOptions } from './dpop/dpop-nonces';
export { createDpopKeyCache, DEFAULT_DPOP_KEY_CACHE_ENTRIES, type DpopKeyCache, type ResolvedDpopKey } from './dpop/dpop-key-cache';
export {
  claimOfTarget,
  denyRuleMatches,
  killSwitchCutCovers,
  type DeniableClaims,
  type DenyRuleView,
} from './revocation/deny-rule-match';
export {
  INCIDENT_REPORT_FORMAT_VERSION,
  incidentFollowUpWireSchema,
  incidentReportSchema,
  incidentTimelineEntrySchema,
  REPORT_ACTION_STATUSES,
  REPORT_FOLLOW_UP_STATUSES,
  REPORT_INSTANCE_STATUSES,
  type IncidentFollowUpWire,
  type IncidentReportInstance,
  type IncidentReportModel,
  type IncidentReportService,
  type IncidentTimelineEntryWire,
} from './incidents/incident-report';
export {
  MAX_COMMS_TEMPLATE_LENGTH,
  nameTemplateFiles,
  PolicyTemplateFileError,
  resolvePolicyTemplateFiles,
  type PolicyTemplateFile,
  type ResolvedPolicyTemplates,
} from './policy/policy-template-files';
