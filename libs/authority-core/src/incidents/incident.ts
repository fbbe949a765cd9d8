import type { Milliseconds } from '../time/clock';

/** How bad it is. A closed set: reports and paging rules switch on it. */
export const INCIDENT_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type IncidentSeverity = (typeof INCIDENT_SEVERITIES)[number];

/** A real incident, or a rehearsal of one (a breach drill). */
export const INCIDENT_KINDS = ['incident', 'drill'] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

export const INCIDENT_STATUSES = ['open', 'contained', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/**
 * The only status changes allowed: forward along open → contained → resolved. Skipping
 * containment (a false alarm resolved at once) is allowed; going back is not: a containment
 * that turns out wrong is a new incident, so the record of the first one stays true.
 */
export const INCIDENT_TRANSITIONS: Readonly<Record<IncidentStatus, readonly IncidentStatus[]>> = {
  open: ['contained', 'resolved'],
  contained: ['resolved'],
  resolved: [],
};

/** Whether `from` may become `to` (see {@link INCIDENT_TRANSITIONS}). */
export function canTransition(from: IncidentStatus, to: IncidentStatus): boolean {
  return INCIDENT_TRANSITIONS[from].includes(to);
}

/** Kinds of operator actions an incident links to. */
export const INCIDENT_LINK_KINDS = ['revocation', 'revocation-batch', 'key-compromise', 'rotation', 'kill-switch', 'approval'] as const;
export type IncidentLinkKind = (typeof INCIDENT_LINK_KINDS)[number];

/**
 * One action made for an incident. `actionId` is the action's own id: a revocation or batch id,
 * the compromised kid, a rotation id, an approval id, or for a kill switch the audit entry
 * (`seq`) of its engagement (a kill switch has no id of its own).
 */
export interface IncidentLink {
  readonly kind: IncidentLinkKind;
  readonly actionId: string;
  readonly linkedAt: Milliseconds;
}

/** An incident record. Times are epoch ms at the authority. */
export interface Incident {
  readonly id: string;
  readonly title: string;
  readonly severity: IncidentSeverity;
  /** Username of the operator who owns the response. */
  readonly owner: string;
  readonly kind: IncidentKind;
  readonly status: IncidentStatus;
  readonly createdAt: Milliseconds;
  readonly updatedAt: Milliseconds;
}

/** Most characters of a title. */
export const MAX_INCIDENT_TITLE_LENGTH = 200;
