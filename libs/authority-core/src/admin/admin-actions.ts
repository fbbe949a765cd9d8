import type { Actor } from '@revmesh/contracts';
import { actorAuditContext, type AuditContext } from '../audit/audit-context';
import type { AuditLog } from '../audit/audit-log';
import { translateStoreError, type AuthorityStore } from '../store/store';
import type { Milliseconds } from '../time/clock';

/** What an operator (or the scheduler on its behalf) did to keys and signers. Stable names. */
export type AdminActionName =
  | 'keys.rotate'
  | 'keys.compromise'
  | 'rotations.rollback'
  | 'event-signers.rotate'
  | 'event-signers.reset'
  | 'kek.rewrap';

/** One recorded action. */
export interface AdminAction {
  readonly seq: number;
  readonly action: AdminActionName;
  /** What it acted on: a kid, a rotation id... */
  readonly target: string | null;
  readonly actor: Actor;
  readonly reason: string;
  readonly at: Milliseconds;
  readonly details: Readonly<Record<string, unknown>>;
}

/** What {@link AdminActionLog.record} takes. */
export type AdminActionInput = Omit<AdminAction, 'seq' | 'details'> & {
  readonly details?: Readonly<Record<string, unknown>>;
  /** Who asked, in what role, why and from where; without it, derived from `actor` and `reason`. */
  readonly context?: AuditContext;
};

/**
 * The `admin_actions` table: actor, reason and time of every key-management action, written in
 * the same transaction as the change itself, and the same action appended to the tamper-evident
 * audit log (hash chain) in that transaction too.
 */
export interface AdminActionLog {
  /** Records an action (and its audit entry). Call inside the transaction that makes the change. */
  record(entry: AdminActionInput): void;
  /** The newest actions first. */
  recent(limit: number): AdminAction[];
}

interface Row {
  seq: number;
  action: AdminActionName;
  target: string | null;
  actor_kind: Actor['kind'];
  actor_id: string;
  reason: string;
  at: number;
  details: string;
}

/** Creates the admin action log on top of the store; with `audit`, every action is also an audit entry. */
export function createAdminActionLog(store: AuthorityStore, audit?: AuditLog): AdminActionLog {
  const insert = store.db.prepare(
    'INSERT INTO admin_actions (action, target, actor_kind, actor_id, reason, at, details) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const select = store.db.prepare<[number], Row>('SELECT * FROM admin_actions ORDER BY seq DESC LIMIT ?');
  return {
    record(entry) {
      insert.run(
        entry.action,
        entry.target,
        entry.actor.kind,
        entry.actor.id,
        entry.reason,
        entry.at,
        JSON.stringify(entry.details ?? {}),
      );
      audit?.append({
        action: entry.action,
        outcome: 'succeeded',
        target: entry.target,
        context: entry.context ?? actorAuditContext(entry.actor, entry.reason),
        details: { ...entry.details, reason: entry.reason },
      });
    },
    recent(limit) {
      try {
        return select.all(limit).map((row) => ({
          seq: row.seq,
          action: row.action,
          target: row.target,
          actor: { kind: row.actor_kind, id: row.actor_id },
          reason: row.reason,
          at: row.at,
          details: JSON.parse(row.details) as Record<string, unknown>,
        }));
      } catch (error) {
        throw translateStoreError(error, 'cannot read admin actions');
      }
    },
  };
}
