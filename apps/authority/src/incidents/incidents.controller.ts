import { Body, Controller, Get, Header, HttpCode, Inject, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { followUpWire, INCIDENT_STATUSES, MAX_LATE_AFTER_MS, OperatorNotFoundError, type AuthorityCore, type IncidentStatus } from '@revmesh/authority-core';
import { incidentReportSchema, type IncidentFollowUpWire, type IncidentReportModel } from '@revmesh/contracts';
import { auditContextOf, type OperatorRequest } from '../auth/operator-request';
import { RequireRole } from '../auth/require-role.decorator';
import { AUTHORITY_CORE } from '../core/core.tokens';
import type { HttpReply } from '../http/http-types';
import { parseLimit } from '../http/limit';
import { ApiOperation } from '../openapi/api-operation.decorator';
import { followUpListSchema, followUpResponseSchema, incidentListSchema, incidentResponseSchema, incidentTimelineSchema } from '../openapi/view-schemas';
import { ProblemException } from '../problems/problem';
import { ZodBodyPipe } from '../validation/zod-body.pipe';
import { incidentTimelineView, incidentView, type IncidentTimelineView, type IncidentView } from './incident.view';
import {
  addFollowUpSchema,
  linkIncidentSchema,
  updateFollowUpSchema,
  type AddFollowUpBody,
  type UpdateFollowUpBody,
  openIncidentSchema,
  updateIncidentSchema,
  type LinkIncidentBody,
  type OpenIncidentBody,
  type UpdateIncidentBody,
} from './incidents.schema';

function parseStatus(value: string | undefined): IncidentStatus | undefined {
  if (value === undefined || value === '') return undefined;
  if ((INCIDENT_STATUSES as readonly string[]).includes(value)) return value as IncidentStatus;
  throw new ProblemException('INVALID_REQUEST', 'invalid status', { errors: [{ field: 'status', message: `must be one of ${INCIDENT_STATUSES.join(', ')}` }] });
}

/** `?late_after_ms=`: a whole number of ms in 1..MAX_LATE_AFTER_MS; undefined when absent (the default applies). */
function parseLateAfter(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,9}$/.test(value) || Number(value) < 1 || Number(value) > MAX_LATE_AFTER_MS) {
    throw new ProblemException('INVALID_REQUEST', 'invalid late_after_ms', { errors: [{ field: 'late_after_ms', message: `must be a whole number of milliseconds in 1..${MAX_LATE_AFTER_MS}` }] });
  }
  return Number(value);
}

/** An owner who is no operator is a bad field of the request, not a missing resource. */
function ownerChecked<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof OperatorNotFoundError) throw new ProblemException('INVALID_REQUEST', error.message, { errors: [{ field: 'owner', message: 'must be the username of an operator' }] });
    throw error;
  }
}

/**
 * Incidents as records: opened, changed and closed by responders (audited), read by any
 * operator, with the actions made for them linked and a timeline of what happened.
 */
@Controller('v1/incidents')
export class IncidentsController {
  constructor(@Inject(AUTHORITY_CORE) private readonly core: AuthorityCore) {}

  /** Opens an incident (`open`); 201 with its `Location`. */
  @ApiOperation({ summary: 'Open an incident (or a drill)', success: { schema: incidentResponseSchema } })
  @Post()
  @RequireRole('responder')
  open(@Body(new ZodBodyPipe(openIncidentSchema)) body: OpenIncidentBody, @Req() request: OperatorRequest, @Res({ passthrough: true }) reply: HttpReply): { incident: IncidentView } {
    const incident = ownerChecked(() =>
      this.core.incidents.open({
        title: body.title,
        severity: body.severity,
        ...(body.owner === undefined ? {} : { owner: body.owner }),
        ...(body.kind === undefined ? {} : { kind: body.kind }),
        context: auditContextOf(request),
      }),
    );
    reply.header('Location', `/v1/incidents/${encodeURIComponent(incident.id)}`);
    return { incident: incidentView(incident) };
  }

  /** Newest first. `?status=` one status only; `?limit=` 1..500, default 50. */
  @ApiOperation({ summary: 'Incidents', success: { schema: incidentListSchema }, problems: ['INVALID_REQUEST'] })
  @Get()
  @RequireRole('viewer')
  @Header('Cache-Control', 'no-store')
  list(@Query('status') status?: string, @Query('limit') limit?: string): { incidents: IncidentView[] } {
    const only = parseStatus(status);
    return { incidents: this.core.incidents.list({ ...(only === undefined ? {} : { status: only }), limit: parseLimit(limit) }).map(incidentView) };
  }

  /** One incident with its links. Unknown id: 404. */
  @ApiOperation({ summary: 'One incident and the actions linked to it', success: { schema: incidentResponseSchema } })
  @Get(':id')
  @RequireRole('viewer')
  @Header('Cache-Control', 'no-store')
  get(@Param('id') id: string): { incident: IncidentView } {
    return { incident: incidentView(this.core.incidents.get(id)) };
  }

  /**
   * Changes status (forward only: open → contained → resolved, or open → resolved), owner or
   * severity. 409 `INCIDENT_TRANSITION_REFUSED` names `current_state`.
   */
  @ApiOperation({ summary: 'Change status, owner or severity', success: { schema: incidentResponseSchema }, problems: ['INCIDENT_TRANSITION_REFUSED'] })
  @Patch(':id')
  @RequireRole('responder')
  update(@Param('id') id: string, @Body(new ZodBodyPipe(updateIncidentSchema)) body: UpdateIncidentBody, @Req() request: OperatorRequest): { incident: IncidentView } {
    const incident = ownerChecked(() =>
      this.core.incidents.update(id, {
        ...(body.status === undefined ? {} : { status: body.status }),
        ...(body.owner === undefined ? {} : { owner: body.owner }),
        ...(body.severity === undefined ? {} : { severity: body.severity }),
        context: auditContextOf(request),
      }),
    );
    return { incident: incidentView(incident) };
  }

  /**
   * Links an action made earlier (a revocation, batch, key compromise, rotation, kill switch by
   * the `seq` of its audit entry, approval). 422 `INCIDENT_LINK_TARGET_UNKNOWN` when it does not
   * exist; 409 `INCIDENT_CLOSED` once the incident is resolved.
   */
  @ApiOperation({ summary: 'Link an existing action to the incident', success: { schema: incidentResponseSchema }, problems: ['INCIDENT_LINK_TARGET_UNKNOWN', 'INCIDENT_CLOSED'] })
  @Post(':id/links')
  @RequireRole('responder')
  @HttpCode(200)
  link(@Param('id') id: string, @Body(new ZodBodyPipe(linkIncidentSchema)) body: LinkIncidentBody, @Req() request: OperatorRequest): { incident: IncidentView } {
    return { incident: incidentView(this.core.incidents.link(id, { kind: body.kind, actionId: body.id }, auditContextOf(request))) };
  }

  /**
   * Audit entries, approvals, publication and each instance's acknowledgement of the linked
   * revocations, anomaly alerts and blocked reports, oldest first; coverage per service; and
   * containment: when every live instance acknowledged every linked revocation (null + why not).
   */
  @ApiOperation({ summary: 'The incident timeline and its containment', success: { schema: incidentTimelineSchema } })
  @Get(':id/timeline')
  @RequireRole('viewer')
  @Header('Cache-Control', 'no-store')
  timeline(@Param('id') id: string): IncidentTimelineView {
    return incidentTimelineView(this.core.incidents.timeline(id));
  }

  /**
   * The post-incident report, computed now from recorded facts: summary, timeline, decisions
   * with their justification, approvals, containment per service and instance (every instance
   * alive while the incident was open), anomalies, what was overlooked, follow-ups.
   * `?late_after_ms=` (default 1000) lists instances slower than that as late.
   */
  @ApiOperation({ summary: 'The post-incident report (JSON; the CLI renders it as Markdown or HTML)', success: { schema: incidentReportSchema }, problems: ['INVALID_REQUEST'] })
  @Get(':id/report')
  @RequireRole('viewer')
  @Header('Cache-Control', 'no-store')
  report(@Param('id') id: string, @Query('late_after_ms') lateAfterMs?: string): IncidentReportModel {
    const late = parseLateAfter(lateAfterMs);
    return this.core.incidents.report(id, late === undefined ? {} : { lateAfterMs: late });
  }

  /** Follow-ups of the incident, oldest first. */
  @ApiOperation({ summary: 'Follow-ups of the incident', success: { schema: followUpListSchema } })
  @Get(':id/follow-ups')
  @RequireRole('viewer')
  @Header('Cache-Control', 'no-store')
  followUps(@Param('id') id: string): { follow_ups: IncidentFollowUpWire[] } {
    return { follow_ups: this.core.incidents.followUps.list(id).map(followUpWire) };
  }

  /** Adds a follow-up for the review (open; a resolved incident takes them too); 201, audited `incidents.follow-up.add`. */
  @ApiOperation({ summary: 'Add a follow-up to the incident', success: { schema: followUpResponseSchema } })
  @Post(':id/follow-ups')
  @RequireRole('responder')
  addFollowUp(@Param('id') id: string, @Body(new ZodBodyPipe(addFollowUpSchema)) body: AddFollowUpBody, @Req() request: OperatorRequest): { follow_up: IncidentFollowUpWire } {
    const added = this.core.incidents.followUps.add(id, { text: body.text, ...(body.owner === undefined ? {} : { owner: body.owner }), context: auditContextOf(request) });
    return { follow_up: followUpWire(added) };
  }

  /** Marks a follow-up done (who, when) or open again; audited `incidents.follow-up.done` / `.reopen`. */
  @ApiOperation({ summary: 'Mark a follow-up done, or open again', success: { schema: followUpResponseSchema } })
  @Patch(':id/follow-ups/:followUpId')
  @RequireRole('responder')
  updateFollowUp(
    @Param('id') id: string,
    @Param('followUpId') followUpId: string,
    @Body(new ZodBodyPipe(updateFollowUpSchema)) body: UpdateFollowUpBody,
    @Req() request: OperatorRequest,
  ): { follow_up: IncidentFollowUpWire } {
    return { follow_up: followUpWire(this.core.incidents.followUps.setStatus(id, followUpId, body.status, auditContextOf(request))) };
  }
}
