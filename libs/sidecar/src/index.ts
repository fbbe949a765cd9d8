// The public surface of @revmesh/sidecar, written by hand: everything not listed here is internal
// and may change without notice. Framework adapters have their own entry points
// (@revmesh/sidecar/express, /fastify, /nest) so importing this one pulls in no adapter.

export { createSidecar } from './sidecar';
export type { Sidecar, SidecarStats, StalenessStats, VerifyOptions } from './sidecar-api';
export { sidecarReadiness, type SidecarReadiness } from './staleness/readiness-report';
export type { VerifyContext } from './reports/blocked-aggregator';
export type {
  DenyListOptions,
  DiscoveryKeysOptions,
  IssuerKeysOptions,
  KafkaKeysOptions,
  RemoteKeysOptions,
  SidecarIssuerOptions,
  SidecarKeysOptions,
  SidecarOptions,
  SnapshotOptions,
  StaticKeysOptions,
  StalePolicy,
  StalenessOptions,
  TokenCacheOptions,
} from './options/sidecar-options';
export type { EventSignerJwk } from '@revmesh/contracts';
export type { EventSignerJwkSet, EventSignersOption } from './options/event-signers-option';
export { SIDECAR_DEFAULTS } from './options/resolve-options';
export {
  VERIFY_FAILURE_CODES,
  type AccessTokenClaims,
  type DpopFailure,
  type DpopFailureCode,
  type KeyRevokedFailure,
  type KillSwitchFailure,
  type KillSwitchScope,
  type OtherVerifyFailure,
  type TokenRevokedFailure,
  type VerifyFailure,
  type VerifyFailureCode,
  type VerifyResult,
  type VerifySuccess,
} from './verify/verify-result';
export { DEFAULT_ALGORITHMS, SUPPORTED_ALGORITHMS, type SupportedAlgorithm } from './verify/algorithms';
export type { TokenPresentation } from './dpop/dpop-check';
export type { SidecarDpopOptions } from './dpop/dpop-options';
export type { RequestTarget } from './internal/http/request-target';
export { REQUIRED_CLAIMS } from './verify/token-verifier';
export {
  SidecarClosedError,
  SidecarError,
  SidecarStartError,
  TokenRejectedError,
  type SidecarErrorCode,
} from './errors/sidecar-errors';
export type { SidecarState } from './lifecycle/sidecar-state';
// For frameworks without an adapter (Koa, Hono, raw node:http): the same problem+json answers.
export { httpStatusOf, toHttpRejection, type HttpRejection, type ProblemDetails, type RejectionOptions } from './internal/http/problem-details';
export type { RevmeshRequestContext } from './internal/http/request-context';
// Breach drills: what every adapter's opt-in probe answers.
export { DRILL_PROBE_PATH, drillProbeAnswer, type DrillProbeAnswer } from './drill-probe/drill-probe';
export type { AppliedRevocation } from './sync/applied-revocations';
export type { RevocationAppliedListener } from './sync/revocation-sync';
export type { AppliedKeyEvent, KeyEventListener } from './sync/key-sync';
export type { EventTopicKind, SidecarEventRejectionReason } from './sync/event-rejection';
export type { KeySetKey, KeySetSnapshot } from './keys/key-set';
export type { KillSwitchSnapshot } from './kill-switch/kill-switches';
export type { SnapshotCounts } from './snapshots/snapshot-bootstrap';
export type { SignerOrigin, TrustedSignerInfo } from './signers/trusted-signers';
export type { ReportStats } from './reports/sidecar-reporter';
export { createJsonLogger, type JsonLoggerOptions, type LogFields, type LogLevel, type SidecarLogger } from './logging/logger';
export type { Clock, EpochMillis, EpochSeconds, Milliseconds, Seconds } from './internal/units';
export * from './telemetry/names';
