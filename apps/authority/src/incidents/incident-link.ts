import type { AuditContext, AuthorityCore, IncidentLinkKind } from '@revmesh/authority-core';

/**
 * What an action's request adds to its service call when it names an `incident`: checked first
 * (422 `INCIDENT_UNKNOWN`, 409 `INCIDENT_CLOSED`, before anything is written), then an
 * `inTransaction` hook that links what the action made in the action's own transaction.
 * Nothing when the request names no incident.
 */
export function linkToIncident<T>(
  incidents: AuthorityCore['incidents'],
  incident: string | undefined,
  context: AuditContext,
  links: (made: T) => readonly { readonly kind: IncidentLinkKind; readonly actionId: string }[],
): { inTransaction?: (made: T) => void } {
  if (incident === undefined) return {};
  incidents.requireLinkable(incident);
  return { inTransaction: (made) => incidents.linkInTransaction(incident, links(made), context) };
}
