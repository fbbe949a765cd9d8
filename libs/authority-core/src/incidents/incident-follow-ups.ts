import { randomUUID } from 'node:crypto';
import type { AuditContext } from '../audit/audit-context';
import type { AuditLog } from '../audit/audit-log';
import { IncidentFollowUpNotFoundError, IncidentNotFoundError } from '../errors/errors';
import { translateStoreError, type AuthorityStore } from '../store/store';
import { systemClock, type Clock, type Milliseconds } from '../time/clock';

/** Where a follow-up stands. Either way is allowed (a follow-up marked done by mistake is reopened). */
export const FOLLOW_UP_STATUSES = ['open', 'done'] as const;
export type FollowUpStatus = (typeof FOLLOW_UP_STATUSES)[number];

/** Most characters of a follow-up's text. */
export const MAX_FOLLOW_UP_TEXT_LENGTH = 1000;
/** Most characters of a follow-up's owner (a person or a team: free text). */
export const MAX_FOLLOW_UP_OWNER_LENGTH = 100;

/** Something left to do after an incident, for its post-incident report. Times are epoch ms. */
export interface IncidentFollowUp {
  readonly id: string;
  readonly incidentId: string;
  readonly text: string;
  /** Who is to do it (free text: a person or a team); null when nobody yet. */
  readonly owner: string | null;
  readonly status: FollowUpStatus;
  readonly createdAt: Milliseconds;
  /** The actor id of the operator who added it. */
  readonly createdBy: string;
  readonly doneAt: Milliseconds | null;
  readonly doneBy: string | null;
}

/**
 * Follow-ups of incidents: added and marked done (or reopened) as audited operator actions
 * (`incidents.follow-up.add`, `incidents.follow-up.done`, `incidents.follow-up.reopen`, each with
 * the incident as target). A resolved incident still takes them: the review comes afterwards.
 */
export interface IncidentFollowUps {
  /**
   * @throws {IncidentNotFoundError}
   * @throws {TypeError} when the text is empty or too long, or the owner too long.
   */
  add(incidentId: string, input: { readonly text: string; readonly owner?: string; readonly context: AuditContext }): IncidentFollowUp;
  /**
   * Marks a follow-up done or open again. Nothing is written when it already is.
   * @throws {IncidentFollowUpNotFoundError} (also when it belongs to another incident)
   */
  setStatus(incidentId: string, followUpId: string, status: FollowUpStatus, context: AuditContext): IncidentFollowUp;
  /** Oldest first. @throws {IncidentNotFoundError} */
  list(incidentId: string): IncidentFollowUp[];
}

export interface IncidentFollowUpsOptions {
  readonly store: AuthorityStore;
  readonly audit: AuditLog;
  readonly clock?: Clock;
  readonly newId?: () => string;
}

interface FollowUpRow {
  id: string;
  incident_id: string;
  text: string;
  owner: string | null;
  status: FollowUpStatus;
  created_at: number;
  created_by: string;
  done_at: number | null;
  done_by: string | null;
}

function toFollowUp(row: FollowUpRow): IncidentFollowUp {
  return {
    id: row.id,
    incidentId: row.incident_id,
    text: row.text,
    owner: row.owner,
    status: row.status,
    createdAt: row.created_at,
    createdBy: row.created_by,
    doneAt: row.done_at,
    doneBy: row.done_by,
  };
}

export function createIncidentFollowUps(options: IncidentFollowUpsOptions): IncidentFollowUps {
  const { store, audit } = options;
  const clock = options.clock ?? systemClock;
  const newId = options.newId ?? randomUUID;
  const db = store.db;
  const incidentExists = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM incidents WHERE id = ?');
  const insert = db.prepare(
    `INSERT INTO incident_follow_ups (id, incident_id, text, owner, status, created_at, created_by, done_at, done_by)
     VALUES (@id, @incident_id, @text, @owner, 'open', @created_at, @created_by, NULL, NULL)`,
  );
  const byId = db.prepare<[string, string], FollowUpRow>('SELECT * FROM incident_follow_ups WHERE id = ? AND incident_id = ?');
  const ofIncident = db.prepare<[string], FollowUpRow>('SELECT * FROM incident_follow_ups WHERE incident_id = ? ORDER BY created_at, id');
  const updateStatus = db.prepare('UPDATE incident_follow_ups SET status = @status, done_at = @done_at, done_by = @done_by WHERE id = @id');

  const read = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      throw translateStoreError(error, 'cannot read incident follow-ups');
    }
  };
  const requireIncident = (incidentId: string): void => {
    if (read(() => incidentExists.get(incidentId)) === undefined) throw new IncidentNotFoundError(incidentId);
  };
  const requireFollowUp = (incidentId: string, followUpId: string): IncidentFollowUp => {
    const row = read(() => byId.get(followUpId, incidentId));
    if (row === undefined) throw new IncidentFollowUpNotFoundError(incidentId, followUpId);
    return toFollowUp(row);
  };

  return {
    add(incidentId, input) {
      const text = input.text.trim();
      if (text.length === 0 || text.length > MAX_FOLLOW_UP_TEXT_LENGTH) throw new TypeError(`text must be 1..${MAX_FOLLOW_UP_TEXT_LENGTH} characters`);
      const owner = input.owner?.trim() || null;
      if (owner !== null && owner.length > MAX_FOLLOW_UP_OWNER_LENGTH) throw new TypeError(`owner must be at most ${MAX_FOLLOW_UP_OWNER_LENGTH} characters`);
      requireIncident(incidentId);
      const followUp: IncidentFollowUp = {
        id: newId(),
        incidentId,
        text,
        owner,
        status: 'open',
        createdAt: clock.now(),
        createdBy: input.context.actor.id,
        doneAt: null,
        doneBy: null,
      };
      store.transaction(() => {
        requireIncident(incidentId);
        insert.run({ id: followUp.id, incident_id: incidentId, text, owner, created_at: followUp.createdAt, created_by: followUp.createdBy });
        audit.append({ action: 'incidents.follow-up.add', outcome: 'succeeded', target: incidentId, context: input.context, details: { follow_up_id: followUp.id, text, owner } });
      });
      return followUp;
    },
    setStatus(incidentId, followUpId, status, context) {
      return store.transaction(() => {
        const current = requireFollowUp(incidentId, followUpId);
        if (current.status === status) return current;
        const next: IncidentFollowUp = status === 'done' ? { ...current, status, doneAt: clock.now(), doneBy: context.actor.id } : { ...current, status, doneAt: null, doneBy: null };
        updateStatus.run({ id: followUpId, status, done_at: next.doneAt, done_by: next.doneBy });
        audit.append({
          action: status === 'done' ? 'incidents.follow-up.done' : 'incidents.follow-up.reopen',
          outcome: 'succeeded',
          target: incidentId,
          context,
          details: { follow_up_id: followUpId },
        });
        return next;
      });
    },
    list(incidentId) {
      requireIncident(incidentId);
      return read(() => ofIncident.all(incidentId)).map(toFollowUp);
    },
  };
}
