import { MAX_AUDIENCE_LENGTH } from '@revmesh/authority-core';
import { z } from 'zod';
import { incidentIdSchema } from '../incidents/incidents.schema';

// The guard has already taken `justification` out of the body (it goes to the audit context).
const audience = z.string().trim().min(1, 'must not be empty').max(MAX_AUDIENCE_LENGTH, `must be at most ${MAX_AUDIENCE_LENGTH} characters`);
/** `scope: 'global'` may be said explicitly; no `audience` means global anyway. */
const scope = z.literal('global');
const oneScope = (body: { audience?: string | undefined; scope?: 'global' | undefined }) => !(body.audience !== undefined && body.scope !== undefined);
const oneScopeError = { message: 'give either audience or scope "global", not both', path: ['scope'] };

/** `POST /v1/kill-switch`: no audience = every audience. */
export const engageKillSwitchSchema = z
  .strictObject({
    audience: audience.optional(),
    scope: scope.optional(),
    lockdown: z.boolean(),
    /** ISO-8601 with a zone; default: when the engage runs (after approval, if one is needed). */
    issuedAtOrBefore: z.iso.datetime({ offset: true, message: 'must be an ISO-8601 time with a zone, e.g. 2026-11-27T01:00:00Z' }).optional(),
    /** The incident it is made for: named by the approval, linked when it runs. */
    incident: incidentIdSchema.optional(),
  })
  .refine(oneScope, oneScopeError);
export type EngageKillSwitchBody = z.infer<typeof engageKillSwitchSchema>;

/** `POST /v1/kill-switch/lift`. */
export const liftKillSwitchSchema = z
  .strictObject({
    audience: audience.optional(),
    scope: scope.optional(),
    /** The incident it is made for (a drill's cleanup): named by the approval; lifting contains nothing, so it is not linked. */
    incident: incidentIdSchema.optional(),
  })
  .refine(oneScope, oneScopeError);
export type LiftKillSwitchBody = z.infer<typeof liftKillSwitchSchema>;
