import type { Actor } from '@revmesh/contracts';
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

/**
 * The `admin_actions` table: actor, reason and time of every key-management action, written in
 * the same transaction as the change itself. Not yet the tamper-evident audit log (a later
 * issue); this is the record that log will be built from.
 */
export interface AdminActionLog {
  /** Records an action. Call inside the transaction that makes the change. */
  record(entry: Omit<AdminAction, 'seq' | 'details'> & { readonly details?: Readonly<Record<string, unknown>> }): void;
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

/** Creates the admin action log on top of the store. */
export function createAdminActionLog(store: AuthorityStore): AdminActionLog {
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
