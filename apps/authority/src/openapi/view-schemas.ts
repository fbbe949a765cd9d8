import { INCIDENT_KINDS, INCIDENT_SEVERITIES, INCIDENT_STATUSES, type ApprovalState, type KillSwitchState, type Role } from '@revmesh/authority-core';
import { incidentFollowUpWireSchema, KEY_STATES, REVOCATION_TARGET_TYPES } from '@revmesh/contracts';
import { z } from 'zod';
import type { AlertView } from '../alerts/alerts.controller';
import type { ApprovalView, PendingApprovalView } from '../approvals/approval.view';
import type { clientDetailsView, ClientView } from '../clients/client.view';
import type { HealthController } from '../health/health.controller';
import type { ReadinessController } from '../health/readiness.controller';
import type { IncidentTimelineView, IncidentView } from '../incidents/incident.view';
import type { IssuerView } from '../issuers/issuer.view';
import type { CalendarView, KeyView } from '../keys/key.view';
import type { EnrolmentCodeView, invitedOperatorView, OperatorView } from '../operators/operator.view';
import type { RotationEventView, RotationView } from '../rotations/rotation.view';
import type { SessionView } from '../sessions/session.view';
import type { CoverageView } from '../instances/coverage.view';
import type { InstancesController } from '../instances/instances.controller';
import type { TokenResponse } from '../oauth/token-response';
import type { RevocationBatchView } from '../revocations/revocation-batch.controller';
import type { RevocationView } from '../revocations/revocation.view';

/**
 * Response schemas of the views clients rely on most, for `GET /openapi.json`. Each is checked at
 * compile time against its view type in both directions (`Same` below), so a view that gains,
 * loses or changes a member breaks the build here rather than the document silently.
 */

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

export const revocationViewSchema = z.object({
  id: z.string(),
  target: z.enum(REVOCATION_TARGET_TYPES),
  value: z.string(),
  iss: z.string().nullable(),
  reason: z.string(),
  revoked_at: z.number().int(),
  not_after_iat: z.number().int(),
  expires_at: z.number().int(),
  published: z.boolean(),
  published_at: z.number().int().nullable(),
});
const revocationChecked: Same<z.output<typeof revocationViewSchema>, RevocationView> = true;

export const revocationBatchViewSchema = z.object({
  batch_id: z.string(),
  count: z.number().int(),
  revoked_at: z.number().int(),
  not_after_iat: z.number().int(),
  revocations: z.array(z.object({ id: z.string(), target: z.string(), value: z.string(), iss: z.string().nullable(), expires_at: z.number().int() })).readonly(),
});
const batchChecked: Same<z.output<typeof revocationBatchViewSchema>, RevocationBatchView> = true;

export const coverageViewSchema = z.object({
  revocation_id: z.string(),
  event_id: z.string(),
  published_at: z.number().int().nullable(),
  live_instances: z.number().int(),
  applied: z.array(z.object({ instance_id: z.string(), applied_at: z.number().int().nullable(), via: z.enum(['ack', 'key_set_version']) })).readonly(),
  covered_at_start: z.array(z.object({ instance_id: z.string(), started_at: z.number().int() })).readonly(),
  pending: z.array(z.object({ instance_id: z.string(), last_heartbeat_at: z.number().int() })).readonly(),
  complete: z.boolean(),
});
const coverageChecked: Same<z.output<typeof coverageViewSchema>, { revocation_id: string } & CoverageView> = true;

export const tokenResponseSchema = z.object({
  access_token: z.string(),
  token_type: z.enum(['Bearer', 'DPoP']),
  expires_in: z.number().int(),
  scope: z.string().optional(),
  refresh_token: z.string().optional(),
  issued_token_type: z.string().optional(),
});
const tokenChecked: Same<z.output<typeof tokenResponseSchema>, TokenResponse> = true;

const ROLES = ['viewer', 'responder', 'security-admin'] as const satisfies readonly Role[];
const APPROVAL_STATES = ['pending', 'executing', 'executed', 'denied', 'expired', 'failed'] as const satisfies readonly ApprovalState[];
const person = z.object({ username: z.string(), role: z.enum(ROLES).nullable() });

export const approvalViewSchema = z.object({
  id: z.string(),
  action: z.string(),
  target: z.string().nullable(),
  params: z.unknown(),
  requestedBy: person.extend({ justification: z.string().nullable() }),
  requestedAt: z.string(),
  expiresAt: z.string(),
  state: z.enum(APPROVAL_STATES),
  decidedBy: person.nullable(),
  decidedAt: z.string().nullable(),
  decisionJustification: z.string().nullable(),
  result: z.unknown(),
  error: z.string().nullable(),
});
// `action` is a string here (the union of gated actions is authority-core's), so one direction only.
const approvalChecked: ApprovalView extends z.output<typeof approvalViewSchema> ? true : false = true;

/** `{ approval }`: one approval request. */
export const approvalResponseSchema = z.object({ approval: approvalViewSchema });

/** `GET /v1/approvals`. */
export const approvalListSchema = z.object({ approvals: z.array(approvalViewSchema) });

export const pendingApprovalViewSchema = z.object({ status: z.literal('pending-approval'), approval: approvalViewSchema });
const pendingChecked: PendingApprovalView extends z.output<typeof pendingApprovalViewSchema> ? true : false = true;

export const clientViewSchema = z.object({
  client_id: z.string(),
  audiences: z.array(z.string()).readonly(),
  scopes: z.array(z.string()).readonly(),
  token_endpoint_auth_method: z.enum(['client_secret_basic', 'private_key_jwt']),
  jwks: z.unknown(),
  jwks_uri: z.string().nullable(),
  encryption_jwk: z.unknown(),
  enabled: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});
const clientChecked: Same<z.output<typeof clientViewSchema>, ClientView> = true;

export const clientDetailsViewSchema = clientViewSchema.extend({
  secrets: z.array(z.object({ created_at: z.string(), expires_at: z.string().nullable() })).readonly(),
});
const clientDetailsChecked: ReturnType<typeof clientDetailsView> extends z.output<typeof clientDetailsViewSchema> ? true : false = true;

export const sessionViewSchema = z.object({
  sid: z.string(),
  client_id: z.string(),
  sub: z.string(),
  subject_issuer: z.string(),
  subject: z.string(),
  // The actor chain (RFC 8693 `act`), nested: described one level deep.
  act: z.object({ sub: z.string(), client_id: z.string().optional(), act: z.unknown().optional() }).nullable(),
  audience: z.string(),
  scope: z.string(),
  created_at: z.number().int(),
  last_used_at: z.number().int(),
  expires_at: z.number().int(),
  ended_at: z.number().int().nullable(),
  end_reason: z.string().nullable(),
});
const sessionChecked: SessionView extends z.output<typeof sessionViewSchema> ? true : false = true;

export const calendarViewSchema = z.object({
  now: z.number().int(),
  active_kid: z.string().nullable(),
  standby_kid: z.string().nullable(),
  next_rotation_at: z.number().int().nullable(),
  rotation_period_seconds: z.number(),
  prepublish_lead_seconds: z.number(),
  upcoming_retirements: z.array(z.object({ kid: z.string(), retire_after: z.number().int() })).readonly(),
  rotation_in_progress: z.boolean(),
});
const calendarChecked: Same<z.output<typeof calendarViewSchema>, CalendarView> = true;

export const keyViewSchema = z.object({
  kid: z.string(),
  alg: z.string(),
  state: z.enum(KEY_STATES),
  created_at: z.number().int(),
  state_changed_at: z.number().int(),
  activated_at: z.number().int().nullable(),
  deactivated_at: z.number().int().nullable(),
  retire_after: z.number().int().nullable(),
  public_jwk: z.object({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string(), y: z.string(), kid: z.string(), alg: z.literal('ES256'), use: z.literal('sig') }),
});
const keyChecked: Same<z.output<typeof keyViewSchema>, KeyView> = true;

/** `GET /v1/keys`. */
export const keyListSchema = z.object({ key_set_version: z.number().int(), keys: z.array(keyViewSchema) });

const actor = z.object({ kind: z.enum(['admin-key', 'operator', 'system', 'client']), id: z.string() });

export const rotationViewSchema = z.object({
  id: z.string(),
  kind: z.enum(['scheduled', 'emergency', 'manual', 'rollback']),
  status: z.enum(['in_progress', 'completed', 'aborted', 'rolled_back']),
  from_kid: z.string().nullable(),
  to_kid: z.string().nullable(),
  new_standby_kid: z.string().nullable(),
  actor,
  reason: z.string(),
  requested_at: z.number().int(),
  gate_started_at: z.number().int().nullable(),
  gate_completed_at: z.number().int().nullable(),
  gate_outcome: z.enum(['confirmed', 'timed_out', 'skipped']).nullable(),
  unconfirmed_instances: z.array(z.string()).readonly(),
  promoted_at: z.number().int().nullable(),
  from_key_state: z.string().nullable(),
  from_key_changed_at: z.number().int().nullable(),
  standby_created_at: z.number().int().nullable(),
  completed_at: z.number().int().nullable(),
  aborted_reason: z.string().nullable(),
  rollback_of: z.string().nullable(),
  rolled_back_by: z.string().nullable(),
  rolled_back_at: z.number().int().nullable(),
});
const rotationChecked: Same<z.output<typeof rotationViewSchema>, RotationView> = true;

/** `GET /v1/rotations`. */
export const rotationListSchema = z.object({ rotations: z.array(rotationViewSchema) });

const rotationEventViewSchema = coverageViewSchema.omit({ revocation_id: true }).extend({
  subject: z.string(),
  kid: z.string(),
  state: z.string(),
  key_set_version: z.number().int(),
  signer_kid: z.string(),
});
// `subject` is a string here (the union of key-event subjects is authority-core's), so one direction only.
const rotationEventChecked: RotationEventView extends z.output<typeof rotationEventViewSchema> ? true : false = true;

/** `GET /v1/rotations/:id`. */
export const rotationDetailsSchema = rotationViewSchema.extend({ events: z.array(rotationEventViewSchema) });

export const issuerViewSchema = z.object({
  issuer: z.string(),
  description: z.string(),
  enabled: z.boolean(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const issuerChecked: Same<z.output<typeof issuerViewSchema>, IssuerView> = true;

/** `{ issuer }`: one trusted issuer. */
export const issuerResponseSchema = z.object({ issuer: issuerViewSchema });

/** `GET /v1/issuers`. */
export const issuerListSchema = z.object({ issuers: z.array(issuerViewSchema) });

export const operatorViewSchema = z.object({
  username: z.string(),
  role: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
  disabledAt: z.string().nullable(),
  enrolledAt: z.string().nullable(),
});
const operatorChecked: Same<z.output<typeof operatorViewSchema>, OperatorView> = true;

/** `{ operator }`: one operator. */
export const operatorResponseSchema = z.object({ operator: operatorViewSchema });

/** `GET /v1/operators`. */
export const operatorListSchema = z.object({ operators: z.array(operatorViewSchema) });

const enrolmentCodeViewSchema = z.object({ code: z.string(), expiresAt: z.string() });
const enrolmentCodeChecked: Same<z.output<typeof enrolmentCodeViewSchema>, EnrolmentCodeView> = true;

/** `{ enrolment }`: a new enrolment code, shown once. */
export const enrolmentResponseSchema = z.object({ enrolment: enrolmentCodeViewSchema });

/** A new operator who has yet to enrol, with their enrolment code (null when none was issued yet). */
export const invitedOperatorSchema = z.object({ operator: operatorViewSchema, enrolment: enrolmentCodeViewSchema.nullable() });
const invitedChecked: Same<z.output<typeof invitedOperatorSchema>, ReturnType<typeof invitedOperatorView>> = true;

export const killSwitchStateSchema = z.object({
  scope: z.discriminatedUnion('kind', [z.object({ kind: z.literal('global') }), z.object({ kind: z.literal('audience'), audience: z.string() })]),
  issuedAtOrBefore: z.number().int(),
  lockdown: z.boolean(),
  engagedAt: z.number().int(),
  engagedBy: z.string(),
  liftedAt: z.number().int().nullable(),
  liftedBy: z.string().nullable(),
});
const killSwitchChecked: Same<z.output<typeof killSwitchStateSchema>, KillSwitchState> = true;

/** `GET /v1/kill-switch`. */
export const killSwitchListSchema = z.object({ switches: z.array(killSwitchStateSchema) });

export const incidentViewSchema = z.object({
  id: z.string(),
  title: z.string(),
  severity: z.enum(INCIDENT_SEVERITIES),
  owner: z.string(),
  kind: z.enum(INCIDENT_KINDS),
  status: z.enum(INCIDENT_STATUSES),
  created_at: z.number().int(),
  updated_at: z.number().int(),
  links: z.array(z.object({ kind: z.string(), id: z.string(), linked_at: z.number().int() })).readonly().optional(),
});
const incidentChecked: Same<z.output<typeof incidentViewSchema>, IncidentView> = true;

/** `{ incident }`: one incident. */
export const incidentResponseSchema = z.object({ incident: incidentViewSchema });

/** `GET /v1/incidents`. */
export const incidentListSchema = z.object({ incidents: z.array(incidentViewSchema) });

/** `GET /v1/incidents/:id/timeline`. Entries and per-instance coverage differ by kind: open objects. */
export const incidentTimelineSchema = z.object({
  incident: incidentViewSchema,
  entries: z.array(z.record(z.string(), z.unknown())).readonly(),
  coverage: z.array(z.object({ audience: z.string(), instances: z.array(z.record(z.string(), z.unknown())).readonly() })).readonly(),
  containment: z.object({
    contained_at: z.number().int().nullable(),
    why: z.string().nullable(),
    accepted_after_revocation: z.object({ known: z.boolean(), count: z.number().int().nullable(), why: z.string().nullable() }),
  }),
});
const incidentTimelineChecked: Same<z.output<typeof incidentTimelineSchema>, IncidentTimelineView> = true;

/** `{ follow_up }`: one follow-up of an incident (the report's shape). */
export const followUpResponseSchema = z.object({ follow_up: incidentFollowUpWireSchema });

/** `GET /v1/incidents/:id/follow-ups`. */
export const followUpListSchema = z.object({ follow_ups: z.array(incidentFollowUpWireSchema) });

const alertViewSchema = z.object({
  alert_id: z.string(),
  kind: z.string(),
  severity: z.string(),
  dedup_key: z.string(),
  summary: z.string(),
  first_seen: z.number().int(),
  last_seen: z.number().int(),
  count: z.number().int(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())])),
});
const alertChecked: Same<z.output<typeof alertViewSchema>, AlertView> = true;

/** `GET /v1/alerts`. */
export const alertListSchema = z.object({ alerts: z.array(alertViewSchema) });

/** `GET /healthz`. */
export const healthSchema = z.object({ status: z.literal('ok'), relay: z.string(), outbox_pending: z.number().int(), acks: z.string() });
const healthChecked: Same<z.output<typeof healthSchema>, ReturnType<HealthController['health']>> = true;

/** `GET /health`: this replica's place among the authority's replicas (the leader lease). */
export const replicaHealthSchema = z.object({
  status: z.literal('ok'),
  role: z.enum(['leader', 'follower']),
  epoch: z.number().int().nullable(),
  lease_age_ms: z.number().int().nullable(),
  holder: z.string().nullable(),
  replica_id: z.string(),
});
const replicaHealthChecked: Same<z.output<typeof replicaHealthSchema>, ReturnType<ReadinessController['replica']>> = true;

/** `GET /v1/instances`. Times are epoch ms, the sidecar's clock. */
export const instanceListSchema = z.object({
  now: z.number().int(),
  live_instances: z.number().int(),
  instances: z.array(
    z.object({
      instance_id: z.string(),
      live: z.boolean(),
      ready: z.boolean(),
      started_at: z.number().int(),
      last_heartbeat_at: z.number().int(),
      heartbeat_interval_ms: z.number().int(),
      key_set_version: z.number().int(),
      audiences: z.array(z.string()).readonly(),
      first_seen_at: z.number().int(),
      staleness: z
        .object({ stale: z.boolean(), policy: z.enum(['fail-closed', 'fail-open-UNSAFE']), fail_open_accepted: z.number().int() })
        .nullable()
        .describe("its last heartbeat's staleness: past its bound, default stale policy, tokens fail-open routes accepted while stale; null: not reported (an older sidecar)"),
    }),
  ),
});
const instancesChecked: Same<z.output<typeof instanceListSchema>, ReturnType<InstancesController['list']>> = true;

/** Referenced so the compile-time checks above are not unused. */
export const VIEW_SCHEMAS_CHECKED =
  revocationChecked &&
  batchChecked &&
  coverageChecked &&
  tokenChecked &&
  pendingChecked &&
  clientChecked &&
  clientDetailsChecked &&
  sessionChecked &&
  calendarChecked &&
  keyChecked &&
  rotationChecked &&
  rotationEventChecked &&
  approvalChecked &&
  issuerChecked &&
  operatorChecked &&
  enrolmentCodeChecked &&
  invitedChecked &&
  killSwitchChecked &&
  incidentChecked &&
  incidentTimelineChecked &&
  alertChecked &&
  healthChecked &&
  replicaHealthChecked &&
  instancesChecked;
