import { z } from 'zod';
import { actorSchema } from '../events/envelope';

/**
 * The post-incident report as the authority serves it (`GET /v1/incidents/:id/report`) and the
 * CLI renders it (Markdown, HTML, JSON): recorded facts only, computed when asked. Times are epoch
 * ms (the authority's clock; an acknowledgement's time is the sidecar's), durations are ms.
 */
export const INCIDENT_REPORT_FORMAT_VERSION = 1;

const time = z.number().int();

/** One entry of the incident's timeline (the same entries as `GET /v1/incidents/:id/timeline`). */
export const incidentTimelineEntrySchema = z.discriminatedUnion('type', [
  z.object({ at: time, type: z.literal('audit'), seq: z.number().int(), action: z.string(), outcome: z.string(), target: z.string().nullable(), actor: actorSchema }),
  z.object({ at: time, type: z.literal('approval.requested'), approval_id: z.string(), action: z.string(), state: z.string(), by: z.string() }),
  z.object({ at: time, type: z.literal('approval.decided'), approval_id: z.string(), action: z.string(), state: z.string(), by: z.string() }),
  z.object({ at: time, type: z.literal('event.published'), kind: z.string(), action_id: z.string(), event_id: z.string() }),
  z.object({ at: time, type: z.literal('instance.applied'), kind: z.string(), action_id: z.string(), instance_id: z.string(), audiences: z.array(z.string()).readonly() }),
  z.object({ at: time, type: z.literal('alert'), alert_id: z.string(), kind: z.string(), severity: z.string(), summary: z.string(), count: z.number().int() }),
  z.object({
    at: time,
    type: z.literal('blocked'),
    instance_id: z.string(),
    code: z.string(),
    revocation_id: z.string().nullable(),
    kid: z.string().nullable(),
    count: z.number().int(),
    window_start: time,
  }),
]);
export type IncidentTimelineEntryWire = z.infer<typeof incidentTimelineEntrySchema>;

/** How one instance stands with one containing action. */
export const REPORT_ACTION_STATUSES = ['applied', 'covered_at_start', 'pending'] as const;

const instanceActionSchema = z.object({
  kind: z.string(),
  action_id: z.string(),
  /** `applied`: acknowledged (or its key-set version proves it); `covered_at_start`: started with the event already published; `pending`: not yet. */
  status: z.enum(REPORT_ACTION_STATUSES),
  /** The acknowledgement's time, or the start of an instance covered at start; null: pending, or applied without a time. */
  applied_at: time.nullable(),
  /** `applied_at` minus the action's acceptance; null when `applied_at` is null or the instance was covered at start. */
  time_to_apply_ms: z.number().int().nullable(),
});

/** Where an instance stands with every containing action that affects it. */
export const REPORT_INSTANCE_STATUSES = ['applied', 'covered_at_start', 'pending'] as const;

const reportInstanceSchema = z.object({
  instance_id: z.string(),
  audiences: z.array(z.string()).readonly(),
  /** `pending` when any action is; else `covered_at_start` when every one was; else `applied`. */
  status: z.enum(REPORT_INSTANCE_STATUSES),
  /** The longest time-to-apply over its actions; null when none has one. */
  time_to_apply_ms: z.number().int().nullable(),
  /** When it had applied the last of them; null while pending or when no time is known. */
  applied_at: time.nullable(),
  last_heartbeat_at: time,
  /**
   * Requests it accepted with a credential a linked revocation denies, after the revocation was
   * accepted and before it applied it, as its acks reported (summed over the revocations); null:
   * not reported (an older sidecar, or no revocation acknowledged). Optional: absent from reports
   * of authorities older than the count.
   */
  accepted_after_revocation: z.number().int().nullable().optional(),
  /** No heartbeat for 3 of its intervals at `generated_at`. */
  gone: z.boolean(),
  actions: z.array(instanceActionSchema).readonly(),
});
export type IncidentReportInstance = z.infer<typeof reportInstanceSchema>;

/** Containment of one service (audience): its instances, and how many had applied over time. */
const serviceContainmentSchema = z.object({
  audience: z.string(),
  instances: z.array(reportInstanceSchema).readonly(),
  /** Steps of the coverage: at each time, how many of `of` instances had applied every action. */
  coverage_over_time: z.array(z.object({ at: time, applied: z.number().int(), of: z.number().int() })).readonly(),
  /** When its last instance had applied; null while one is pending. */
  contained_at: time.nullable(),
});
export type IncidentReportService = z.infer<typeof serviceContainmentSchema>;

const acceptedAfterRevocationSchema = z.object({ known: z.boolean(), count: z.number().int().nullable(), why: z.string().nullable() });

export const REPORT_FOLLOW_UP_STATUSES = ['open', 'done'] as const;

/** A follow-up an operator added to the incident. */
export const incidentFollowUpWireSchema = z.object({
  id: z.string(),
  text: z.string(),
  owner: z.string().nullable(),
  status: z.enum(REPORT_FOLLOW_UP_STATUSES),
  created_at: time,
  created_by: z.string(),
  done_at: time.nullable(),
  done_by: z.string().nullable(),
});
export type IncidentFollowUpWire = z.infer<typeof incidentFollowUpWireSchema>;

export const incidentReportSchema = z.object({
  format_version: z.literal(INCIDENT_REPORT_FORMAT_VERSION),
  generated_at: time,
  /** An instance that took longer than this to apply is listed as late. */
  late_after_ms: z.number().int(),
  incident: z.object({
    id: z.string(),
    title: z.string(),
    severity: z.string(),
    owner: z.string(),
    kind: z.string(),
    status: z.string(),
    created_at: time,
    updated_at: time,
    links: z.array(z.object({ kind: z.string(), id: z.string(), linked_at: time })).readonly(),
  }),
  summary: z.object({
    opened_at: time,
    resolved_at: time.nullable(),
    contained_at: time.nullable(),
    /** From the incident's opening to `contained_at`. */
    time_to_contain_ms: z.number().int().nullable(),
    not_contained_why: z.string().nullable(),
    containing_actions: z.number().int(),
    services: z.number().int(),
    instances: z.number().int(),
    instances_pending: z.number().int(),
    approvals: z.number().int(),
    alerts: z.number().int(),
    open_follow_ups: z.number().int(),
  }),
  timeline: z.array(incidentTimelineEntrySchema).readonly(),
  /** Audit entries of the incident and its actions: who did what, when, in what role, and why. */
  decisions: z
    .array(
      z.object({
        seq: z.number().int(),
        at: time,
        action: z.string(),
        outcome: z.string(),
        actor: actorSchema,
        role: z.string().nullable(),
        target: z.string().nullable(),
        justification: z.string().nullable(),
      }),
    )
    .readonly(),
  approvals: z
    .array(
      z.object({
        id: z.string(),
        action: z.string(),
        state: z.string(),
        requested_at: time,
        requested_by: z.string(),
        decided_at: time.nullable(),
        decided_by: z.string().nullable(),
        /** From request to decision; null while undecided. */
        wait_ms: z.number().int().nullable(),
      }),
    )
    .readonly(),
  containing_actions: z
    .array(
      z.object({
        kind: z.string(),
        action_id: z.string(),
        /** The audience it affects; null: every audience. */
        audience: z.string().nullable(),
        accepted_at: time,
        event_id: z.string().nullable(),
        published_at: time.nullable(),
      }),
    )
    .readonly(),
  /** Per service, the instances alive while the incident was open (from its opening to its resolution, or now). */
  containment: z.array(serviceContainmentSchema).readonly(),
  anomalies: z
    .array(z.object({ alert_id: z.string(), kind: z.string(), severity: z.string(), summary: z.string(), first_seen: time, count: z.number().int() }))
    .readonly(),
  overlooked: z.object({
    never_acknowledged: z
      .array(z.object({ instance_id: z.string(), audiences: z.array(z.string()).readonly(), pending: z.array(z.string()).readonly(), last_heartbeat_at: time, gone: z.boolean() }))
      .readonly(),
    late: z.array(z.object({ instance_id: z.string(), audiences: z.array(z.string()).readonly(), time_to_apply_ms: z.number().int() })).readonly(),
    accepted_after_revocation: acceptedAfterRevocationSchema,
    /** Anything else the record shows was missed (e.g. no containing action linked). */
    notes: z.array(z.string()).readonly(),
  }),
  follow_ups: z.array(incidentFollowUpWireSchema).readonly(),
});

/** The post-incident report (see {@link incidentReportSchema}). */
export type IncidentReportModel = z.infer<typeof incidentReportSchema>;
