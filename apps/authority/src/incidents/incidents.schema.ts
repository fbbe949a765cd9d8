import {
  FOLLOW_UP_STATUSES,
  INCIDENT_KINDS,
  INCIDENT_LINK_KINDS,
  INCIDENT_SEVERITIES,
  INCIDENT_STATUSES,
  MAX_FOLLOW_UP_OWNER_LENGTH,
  MAX_FOLLOW_UP_TEXT_LENGTH,
  MAX_INCIDENT_TITLE_LENGTH,
} from '@revmesh/authority-core';
import { z } from 'zod';
import { reasonField } from '../validation/reason-body.schema';

const severity = z.enum(INCIDENT_SEVERITIES, { error: `must be one of ${INCIDENT_SEVERITIES.join(', ')}` });
const owner = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');

/** Id of an incident, as the `incident` field of an action's request names it. */
export const incidentIdSchema = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');

/** Body of the key actions (rotate, compromise): a reason, and the incident they are made for. */
export const reasonIncidentBodySchema = z.strictObject({
  reason: reasonField,
  incident: incidentIdSchema.optional(),
});
export type ReasonIncidentBody = z.infer<typeof reasonIncidentBodySchema>;

/** Body of `POST /v1/incidents`. `owner` default: the operator who opens it. */
export const openIncidentSchema = z.strictObject({
  title: z.string().trim().min(1, 'must not be empty').max(MAX_INCIDENT_TITLE_LENGTH, `must be at most ${MAX_INCIDENT_TITLE_LENGTH} characters`),
  severity,
  owner: owner.optional(),
  kind: z.enum(INCIDENT_KINDS, { error: `must be one of ${INCIDENT_KINDS.join(', ')}` }).optional(),
});
export type OpenIncidentBody = z.infer<typeof openIncidentSchema>;

/** Body of `PATCH /v1/incidents/:id`: at least one field. */
export const updateIncidentSchema = z
  .strictObject({
    status: z.enum(INCIDENT_STATUSES, { error: `must be one of ${INCIDENT_STATUSES.join(', ')}` }).optional(),
    owner: owner.optional(),
    severity: severity.optional(),
  })
  .refine((b) => b.status !== undefined || b.owner !== undefined || b.severity !== undefined, { message: 'give status, owner or severity', path: ['status'] });
export type UpdateIncidentBody = z.infer<typeof updateIncidentSchema>;

/** Body of `POST /v1/incidents/:id/links`. */
export const linkIncidentSchema = z.strictObject({
  kind: z.enum(INCIDENT_LINK_KINDS, { error: `must be one of ${INCIDENT_LINK_KINDS.join(', ')}` }),
  id: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
});
export type LinkIncidentBody = z.infer<typeof linkIncidentSchema>;

/** Body of `POST /v1/incidents/:id/follow-ups`. `owner`: a person or a team (free text). */
export const addFollowUpSchema = z.strictObject({
  text: z.string().trim().min(1, 'must not be empty').max(MAX_FOLLOW_UP_TEXT_LENGTH, `must be at most ${MAX_FOLLOW_UP_TEXT_LENGTH} characters`),
  owner: z.string().trim().min(1, 'must not be empty').max(MAX_FOLLOW_UP_OWNER_LENGTH, `must be at most ${MAX_FOLLOW_UP_OWNER_LENGTH} characters`).optional(),
});
export type AddFollowUpBody = z.infer<typeof addFollowUpSchema>;

/** Body of `PATCH /v1/incidents/:id/follow-ups/:followUpId`: done, or open again. */
export const updateFollowUpSchema = z.strictObject({
  status: z.enum(FOLLOW_UP_STATUSES, { error: `must be one of ${FOLLOW_UP_STATUSES.join(', ')}` }),
});
export type UpdateFollowUpBody = z.infer<typeof updateFollowUpSchema>;
