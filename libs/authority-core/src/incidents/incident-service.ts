import { randomUUID } from 'node:crypto';
import type { AuditContext } from '../audit/audit-context';
import type { AuditLog } from '../audit/audit-log';
import {
  IncidentClosedError,
  IncidentLinkTargetUnknownError,
  IncidentNotFoundError,
  IncidentTransitionError,
  IncidentUnknownError,
  OperatorNotFoundError,
} from '../errors/errors';
import { translateStoreError, type AuthorityStore } from '../store/store';
import { systemClock, type Clock } from '../time/clock';
import {
  canTransition,
  INCIDENT_KINDS,
  INCIDENT_SEVERITIES,
  INCIDENT_TRANSITIONS,
  MAX_INCIDENT_TITLE_LENGTH,
  type Incident,
  type IncidentKind,
  type IncidentLink,
  type IncidentLinkKind,
  type IncidentSeverity,
  type IncidentStatus,
} from './incident';

export interface OpenIncidentInput {
  readonly title: string;
  readonly severity: IncidentSeverity;
  /** Operator username; default: the operator who opens it. */
  readonly owner?: string;
  /** Default `incident`. */
  readonly kind?: IncidentKind;
  readonly context: AuditContext;
}

export interface UpdateIncidentInput {
  readonly status?: IncidentStatus;
  readonly owner?: string;
  readonly severity?: IncidentSeverity;
  readonly context: AuditContext;
}

/** An incident with the actions linked to it, oldest link first. */
export interface IncidentWithLinks extends Incident {
  readonly links: readonly IncidentLink[];
}

/** Incident records: opened, changed and closed as audited operator actions; actions linked to them. */
export interface IncidentService {
  /**
   * Opens an incident (status `open`), audited `incidents.open`.
   * @throws {OperatorNotFoundError} when `owner` names no operator.
   */
  open(input: OpenIncidentInput): Incident;
  /** @throws {IncidentNotFoundError} */
  get(id: string): IncidentWithLinks;
  /** Newest first, optionally one status only. */
  list(filter?: { readonly status?: IncidentStatus; readonly limit?: number }): Incident[];
  /**
   * Changes status, owner and/or severity in one audited step (`incidents.update`, or
   * `incidents.close` when it becomes resolved). Nothing is written when nothing changes.
   * @throws {IncidentNotFoundError}
   * @throws {IncidentTransitionError} for a status change {@link INCIDENT_TRANSITIONS} refuses.
   * @throws {OperatorNotFoundError} when `owner` names no operator.
   */
  update(id: string, input: UpdateIncidentInput): Incident;
  /**
   * Links an existing action (audited `incidents.link`). Linking twice is a no-op.
   * @throws {IncidentNotFoundError}
   * @throws {IncidentClosedError} when the incident is resolved.
   * @throws {IncidentLinkTargetUnknownError} when the action does not exist.
   */
  link(id: string, link: { readonly kind: IncidentLinkKind; readonly actionId: string }, context: AuditContext): IncidentWithLinks;
  /**
   * Checks, before an action is made, that its `incident` field names an incident that can take
   * links. Called again inside the action's transaction by {@link linkInTransaction}.
   * @throws {IncidentUnknownError} (not "not found": the request's field is at fault, 422)
   * @throws {IncidentClosedError}
   */
  requireLinkable(id: string): Incident;
  /**
   * Links an action being made, inside the caller's open transaction (the action and its link
   * commit together, or neither): throws like {@link requireLinkable}, which rolls the action back.
   */
  linkInTransaction(id: string, links: readonly { readonly kind: IncidentLinkKind; readonly actionId: string }[], context: AuditContext): void;
}

export interface IncidentServiceOptions {
  readonly store: AuthorityStore;
  readonly audit: AuditLog;
  readonly clock?: Clock;
  /**
   * Whether an action exists, for `link`. Default: an audit entry records it (every action is
   * audited with its id as target; a kill switch by the `seq` of its engagement).
   */
  readonly actionExists?: (kind: IncidentLinkKind, actionId: string) => boolean;
  readonly newId?: () => string;
}

interface IncidentRow {
  id: string;
  title: string;
  severity: IncidentSeverity;
  owner: string;
  kind: IncidentKind;
  status: IncidentStatus;
  created_at: number;
  updated_at: number;
}

function toIncident(row: IncidentRow): Incident {
  return {
    id: row.id,
    title: row.title,
    severity: row.severity,
    owner: row.owner,
    kind: row.kind,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Audit actions that record each kind of linkable action, with its id as target. */
export const LINKABLE_AUDIT_ACTIONS: Readonly<Record<Exclude<IncidentLinkKind, 'kill-switch' | 'rotation'>, readonly string[]>> = {
  revocation: ['revocations.create'],
  'revocation-batch': ['revocations.create-batch'],
  'key-compromise': ['keys.compromise'],
  approval: ['approvals.request'],
};

/** Default existence check: the audit log (rotations by their table, kill switches by audit seq). */
function auditedActionExists(store: AuthorityStore): (kind: IncidentLinkKind, actionId: string) => boolean {
  const byTarget = store.db.prepare<[string, string], { one: number }>(
    `SELECT 1 AS one FROM audit_log WHERE target = ? AND action IN ${store.db.dialect.jsonArrayValues('?', 'text')} LIMIT 1`,
  );
  const killSwitch = store.db.prepare<[number], { one: number }>(`SELECT 1 AS one FROM audit_log WHERE seq = ? AND action = 'kill-switch.engage'`);
  const rotation = store.db.prepare<[string], { one: number }>('SELECT 1 AS one FROM rotations WHERE id = ?');
  const approval = store.db.prepare<[string], { one: number }>('SELECT 1 AS one FROM approvals WHERE id = ?');
  return (kind, actionId) => {
    switch (kind) {
      case 'kill-switch':
        return /^[1-9][0-9]{0,15}$/.test(actionId) && killSwitch.get(Number(actionId)) !== undefined;
      case 'rotation':
        return rotation.get(actionId) !== undefined;
      case 'approval':
        return approval.get(actionId) !== undefined;
      default:
        return byTarget.get(actionId, JSON.stringify(LINKABLE_AUDIT_ACTIONS[kind])) !== undefined;
    }
  };
}

export function createIncidentService(options: IncidentServiceOptions): IncidentService {
  const { store, audit } = options;
  const clock = options.clock ?? systemClock;
  const newId = options.newId ?? randomUUID;
  const actionExists = options.actionExists ?? auditedActionExists(store);
  const db = store.db;
  const insert = db.prepare(
    `INSERT INTO incidents (id, title, severity, owner, kind, status, created_at, updated_at)
     VALUES (@id, @title, @severity, @owner, @kind, @status, @created_at, @updated_at)`,
  );
  const byId = db.prepare<[string], IncidentRow>('SELECT * FROM incidents WHERE id = ?');
  const listAll = db.prepare<[number], IncidentRow>('SELECT * FROM incidents ORDER BY created_at DESC, id LIMIT ?');
  const listByStatus = db.prepare<[string, number], IncidentRow>('SELECT * FROM incidents WHERE status = ? ORDER BY created_at DESC, id LIMIT ?');
  const updateRow = db.prepare('UPDATE incidents SET status = @status, owner = @owner, severity = @severity, updated_at = @updated_at WHERE id = @id');
  const insertLink = db.prepare<[string, string, string, number]>(
    'INSERT INTO incident_links (incident_id, action_kind, action_id, linked_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
  );
  // Approval requests name their incident in their params (stored with the request, atomically).
  const linksOf = db.prepare<[string, string, string], { action_kind: IncidentLinkKind; action_id: string; linked_at: number }>(
    `SELECT action_kind, action_id, linked_at FROM incident_links WHERE incident_id = ?
     UNION
     SELECT 'approval', id, requested_at FROM approvals
      WHERE ${db.dialect.jsonField('params', 'incident', 'text')} = ?
        AND id NOT IN (SELECT action_id FROM incident_links WHERE action_kind = 'approval' AND incident_id = ?)
     ORDER BY 3, 1, 2`,
  );
  const operator = db.prepare<[string], { username: string }>('SELECT username FROM operators WHERE username = ?');

  const read = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      throw translateStoreError(error, 'cannot read incidents');
    }
  };
  const find = (id: string): Incident | undefined => {
    const row = read(() => byId.get(id));
    return row === undefined ? undefined : toIncident(row);
  };
  const require = (id: string): Incident => {
    const incident = find(id);
    if (incident === undefined) throw new IncidentNotFoundError(id);
    return incident;
  };
  const ownerName = (owner: string): string => {
    const row = read(() => operator.get(owner));
    if (row === undefined) throw new OperatorNotFoundError(owner);
    return row.username;
  };
  const withLinks = (incident: Incident): IncidentWithLinks => ({
    ...incident,
    links: read(() => linksOf.all(incident.id, incident.id, incident.id)).map((l) => ({ kind: l.action_kind, actionId: l.action_id, linkedAt: l.linked_at })),
  });
  const requireLinkable = (id: string): Incident => {
    const incident = find(id);
    if (incident === undefined) throw new IncidentUnknownError(id);
    if (incident.status === 'resolved') throw new IncidentClosedError(id);
    return incident;
  };
  const insertLinks = (incident: Incident, links: readonly { readonly kind: IncidentLinkKind; readonly actionId: string }[], context: AuditContext, now: number): void => {
    const added = links.filter((l) => insertLink.run(incident.id, l.kind, l.actionId, now).changes === 1);
    if (added.length === 0) return;
    audit.append({
      action: 'incidents.link',
      outcome: 'succeeded',
      target: incident.id,
      context,
      details: { links: added.map((l) => ({ kind: l.kind, id: l.actionId })) },
    });
  };

  return {
    open(input) {
      const title = input.title.trim();
      if (title.length === 0 || title.length > MAX_INCIDENT_TITLE_LENGTH) throw new TypeError(`title must be 1..${MAX_INCIDENT_TITLE_LENGTH} characters`);
      if (!INCIDENT_SEVERITIES.includes(input.severity)) throw new TypeError(`severity must be one of ${INCIDENT_SEVERITIES.join(', ')}`);
      const kind = input.kind ?? 'incident';
      if (!INCIDENT_KINDS.includes(kind)) throw new TypeError(`kind must be one of ${INCIDENT_KINDS.join(', ')}`);
      const owner = ownerName(input.owner ?? input.context.actor.id);
      const now = clock.now();
      const incident: Incident = { id: newId(), title, severity: input.severity, owner, kind, status: 'open', createdAt: now, updatedAt: now };
      store.transaction(() => {
        insert.run({ id: incident.id, title, severity: incident.severity, owner, kind, status: 'open', created_at: now, updated_at: now });
        audit.append({ action: 'incidents.open', outcome: 'succeeded', target: incident.id, context: input.context, details: { title, severity: incident.severity, owner, kind } });
      });
      return incident;
    },
    get: (id) => withLinks(require(id)),
    list(filter = {}) {
      const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1000);
      const rows = read(() => (filter.status === undefined ? listAll.all(limit) : listByStatus.all(filter.status, limit)));
      return rows.map(toIncident);
    },
    update(id, input) {
      const owner = input.owner === undefined ? undefined : ownerName(input.owner);
      return store.transaction(() => {
        const current = require(id);
        const status = input.status ?? current.status;
        if (status !== current.status && !canTransition(current.status, status)) {
          throw new IncidentTransitionError(id, current.status, status, INCIDENT_TRANSITIONS[current.status]);
        }
        const next: Incident = { ...current, status, owner: owner ?? current.owner, severity: input.severity ?? current.severity };
        const changes: Record<string, { from: string; to: string }> = {};
        for (const field of ['status', 'owner', 'severity'] as const) {
          if (next[field] !== current[field]) changes[field] = { from: current[field], to: next[field] };
        }
        if (Object.keys(changes).length === 0) return current;
        const now = clock.now();
        updateRow.run({ id, status: next.status, owner: next.owner, severity: next.severity, updated_at: now });
        audit.append({
          action: next.status === 'resolved' ? 'incidents.close' : 'incidents.update',
          outcome: 'succeeded',
          target: id,
          context: input.context,
          details: changes,
        });
        return { ...next, updatedAt: now };
      });
    },
    link(id, link, context) {
      const incident = require(id);
      if (incident.status === 'resolved') throw new IncidentClosedError(id);
      if (!read(() => actionExists(link.kind, link.actionId))) throw new IncidentLinkTargetUnknownError(link.kind, link.actionId);
      store.transaction(() => insertLinks(requireLinkable(id), [link], context, clock.now()));
      return withLinks(require(id));
    },
    requireLinkable,
    linkInTransaction(id, links, context) {
      insertLinks(requireLinkable(id), links, context, clock.now());
    },
  };
}
