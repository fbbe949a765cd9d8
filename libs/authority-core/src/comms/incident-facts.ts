import type { IncidentWithLinks } from '../incidents/incident-service';
import type { IncidentTimeline } from '../incidents/incident-timeline';
import type { Milliseconds } from '../time/clock';
import type { CommsAudience } from './comms-policy';
import type { CommsFacts } from './comms-template';

/** ISO 8601 in UTC to the second: what a reader of a message needs, and stable between two renders. */
function isoSeconds(at: Milliseconds | null): string {
  return at === null ? '' : new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Services (audiences) the incident's containing actions reach: every live service with an
 * instance that applied one or still has one pending.
 */
function affectedAudiences(coverage: IncidentTimeline['coverage']): string[] {
  return coverage
    .filter((s) => s.audience !== '(none)' && s.instances.some((i) => i.firstAppliedAt !== null || i.pending.length > 0))
    .map((s) => s.audience);
}

/**
 * The facts of an incident a message template is filled with, from its record and timeline
 * (computed now): rendering twice without anything happening in between gives the same text,
 * which is what lets an approved message be checked again before it is sent.
 */
export function incidentFacts(
  timeline: { readonly incident: IncidentWithLinks } & Pick<IncidentTimeline, 'coverage' | 'containment'>,
  audience: CommsAudience,
  whatToDo: string,
): CommsFacts {
  const { incident } = timeline;
  return {
    incidentId: incident.id,
    title: incident.title,
    severity: incident.severity,
    status: incident.status,
    kind: incident.kind,
    owner: incident.owner,
    audience,
    openedAt: isoSeconds(incident.createdAt),
    containedAt: isoSeconds(timeline.containment.containedAt),
    resolvedAt: incident.status === 'resolved' ? isoSeconds(incident.updatedAt) : '',
    affectedAudiences: affectedAudiences(timeline.coverage).join(', '),
    whatToDo,
  };
}
