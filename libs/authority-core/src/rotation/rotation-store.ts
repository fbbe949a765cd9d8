import type { Actor, KeyState } from '@revmesh/contracts';
import { translateStoreError, type AuthorityStore } from '../store/store';
import type { Milliseconds } from '../time/clock';

/** Why a rotation happened. */
export type RotationKind = 'scheduled' | 'emergency' | 'manual' | 'rollback';
/** `in_progress`: waiting at the promotion gate (survives restarts); `rolled_back`: undone by a later rollback. */
export type RotationStatus = 'in_progress' | 'completed' | 'aborted' | 'rolled_back';

/**
 * One rotation of the token-signing key, with the time of each step (epoch ms, null until it
 * happens). `from`/`to` are the key replaced and the key promoted; for an emergency on a key
 * that was not active, `to` is null; for a rollback, `from` is the key rolled back and `to` the
 * key restored.
 */
export interface RotationRecord {
  readonly id: string;
  readonly kind: RotationKind;
  readonly status: RotationStatus;
  readonly fromKid: string | null;
  readonly toKid: string | null;
  readonly newStandbyKid: string | null;
  readonly actor: Actor;
  readonly reason: string;
  readonly requestedAt: Milliseconds;
  readonly gateStartedAt: Milliseconds | null;
  readonly gateCompletedAt: Milliseconds | null;
  /** `skipped` for emergencies and rollbacks: the key they promote was confirmed long ago. */
  readonly gateOutcome: 'confirmed' | 'timed_out' | 'skipped' | null;
  /** Live instances that had not confirmed the promoted key when the gate ended. */
  readonly unconfirmedInstances: readonly string[];
  readonly promotedAt: Milliseconds | null;
  /** What happened to the `from` key: retiring, revoked, retired. */
  readonly fromKeyState: KeyState | null;
  readonly fromKeyChangedAt: Milliseconds | null;
  readonly standbyCreatedAt: Milliseconds | null;
  readonly completedAt: Milliseconds | null;
  readonly abortedReason: string | null;
  readonly rollbackOf: string | null;
  readonly rolledBackBy: string | null;
  readonly rolledBackAt: Milliseconds | null;
}

/** The columns of {@link RotationRecord} that change after it is created. */
export type RotationUpdate = Partial<
  Pick<
    RotationRecord,
    | 'status'
    | 'toKid'
    | 'newStandbyKid'
    | 'gateStartedAt'
    | 'gateCompletedAt'
    | 'gateOutcome'
    | 'unconfirmedInstances'
    | 'promotedAt'
    | 'fromKeyState'
    | 'fromKeyChangedAt'
    | 'standbyCreatedAt'
    | 'completedAt'
    | 'abortedReason'
    | 'rolledBackBy'
    | 'rolledBackAt'
  >
>;

/** The `rotations` table. */
export interface RotationStore {
  insert(record: RotationRecord): void;
  update(id: string, update: RotationUpdate): void;
  get(id: string): RotationRecord | undefined;
  /** Newest first. */
  list(limit: number): RotationRecord[];
  /** Rotations left waiting at the gate (by this or an earlier process), oldest first. */
  inProgress(): RotationRecord[];
  /** The newest completed rotation that replaced `kid` (the one whose retirement it completes). */
  lastReplacing(kid: string): RotationRecord | undefined;
}

interface Row {
  id: string;
  kind: RotationKind;
  status: RotationStatus;
  from_kid: string | null;
  to_kid: string | null;
  new_standby_kid: string | null;
  actor_kind: Actor['kind'];
  actor_id: string;
  reason: string;
  requested_at: number;
  gate_started_at: number | null;
  gate_completed_at: number | null;
  gate_outcome: RotationRecord['gateOutcome'];
  unconfirmed_instances: string;
  promoted_at: number | null;
  from_key_state: KeyState | null;
  from_key_changed_at: number | null;
  standby_created_at: number | null;
  completed_at: number | null;
  aborted_reason: string | null;
  rollback_of: string | null;
  rolled_back_by: string | null;
  rolled_back_at: number | null;
}

function toRecord(row: Row): RotationRecord {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    fromKid: row.from_kid,
    toKid: row.to_kid,
    newStandbyKid: row.new_standby_kid,
    actor: { kind: row.actor_kind, id: row.actor_id },
    reason: row.reason,
    requestedAt: row.requested_at,
    gateStartedAt: row.gate_started_at,
    gateCompletedAt: row.gate_completed_at,
    gateOutcome: row.gate_outcome,
    unconfirmedInstances: JSON.parse(row.unconfirmed_instances) as string[],
    promotedAt: row.promoted_at,
    fromKeyState: row.from_key_state,
    fromKeyChangedAt: row.from_key_changed_at,
    standbyCreatedAt: row.standby_created_at,
    completedAt: row.completed_at,
    abortedReason: row.aborted_reason,
    rollbackOf: row.rollback_of,
    rolledBackBy: row.rolled_back_by,
    rolledBackAt: row.rolled_back_at,
  };
}

const UPDATE_COLUMNS: Readonly<Record<keyof RotationUpdate, string>> = {
  status: 'status',
  toKid: 'to_kid',
  newStandbyKid: 'new_standby_kid',
  gateStartedAt: 'gate_started_at',
  gateCompletedAt: 'gate_completed_at',
  gateOutcome: 'gate_outcome',
  unconfirmedInstances: 'unconfirmed_instances',
  promotedAt: 'promoted_at',
  fromKeyState: 'from_key_state',
  fromKeyChangedAt: 'from_key_changed_at',
  standbyCreatedAt: 'standby_created_at',
  completedAt: 'completed_at',
  abortedReason: 'aborted_reason',
  rolledBackBy: 'rolled_back_by',
  rolledBackAt: 'rolled_back_at',
};

/** Creates the rotation repository. */
export function createRotationStore(store: AuthorityStore): RotationStore {
  const db = store.db;
  const insert = db.prepare(
    `INSERT INTO rotations (id, kind, status, from_kid, to_kid, new_standby_kid, actor_kind, actor_id, reason, requested_at,
       gate_started_at, gate_completed_at, gate_outcome, unconfirmed_instances, promoted_at, from_key_state,
       from_key_changed_at, standby_created_at, completed_at, aborted_reason, rollback_of, rolled_back_by, rolled_back_at)
     VALUES (@id, @kind, @status, @fromKid, @toKid, @newStandbyKid, @actorKind, @actorId, @reason, @requestedAt,
       @gateStartedAt, @gateCompletedAt, @gateOutcome, @unconfirmed, @promotedAt, @fromKeyState,
       @fromKeyChangedAt, @standbyCreatedAt, @completedAt, @abortedReason, @rollbackOf, @rolledBackBy, @rolledBackAt)`,
  );
  const one = db.prepare<[string], Row>('SELECT * FROM rotations WHERE id = ?');
  const list = db.prepare<[number], Row>('SELECT * FROM rotations ORDER BY requested_at DESC, rowid DESC LIMIT ?');
  const inProgress = db.prepare<[], Row>("SELECT * FROM rotations WHERE status = 'in_progress' ORDER BY requested_at");
  const replacing = db.prepare<[string], Row>(
    "SELECT * FROM rotations WHERE from_kid = ? AND status = 'completed' AND kind != 'rollback' ORDER BY requested_at DESC LIMIT 1",
  );
  const read = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      throw translateStoreError(error, 'cannot read rotations');
    }
  };
  return {
    insert(r) {
      insert.run({
        id: r.id,
        kind: r.kind,
        status: r.status,
        fromKid: r.fromKid,
        toKid: r.toKid,
        newStandbyKid: r.newStandbyKid,
        actorKind: r.actor.kind,
        actorId: r.actor.id,
        reason: r.reason,
        requestedAt: r.requestedAt,
        gateStartedAt: r.gateStartedAt,
        gateCompletedAt: r.gateCompletedAt,
        gateOutcome: r.gateOutcome,
        unconfirmed: JSON.stringify(r.unconfirmedInstances),
        promotedAt: r.promotedAt,
        fromKeyState: r.fromKeyState,
        fromKeyChangedAt: r.fromKeyChangedAt,
        standbyCreatedAt: r.standbyCreatedAt,
        completedAt: r.completedAt,
        abortedReason: r.abortedReason,
        rollbackOf: r.rollbackOf,
        rolledBackBy: r.rolledBackBy,
        rolledBackAt: r.rolledBackAt,
      });
    },
    update(id, update) {
      const entries = Object.entries(update) as [keyof RotationUpdate, unknown][];
      if (entries.length === 0) return;
      const sets = entries.map(([key]) => `${UPDATE_COLUMNS[key]} = @${key}`).join(', ');
      const params = Object.fromEntries(
        entries.map(([key, value]) => [key, key === 'unconfirmedInstances' ? JSON.stringify(value) : value]),
      );
      const result = db.prepare(`UPDATE rotations SET ${sets} WHERE id = @id`).run({ ...params, id });
      if (result.changes !== 1) throw new TypeError(`rotation ${id} does not exist`);
    },
    get: (id) =>
      read(() => {
        const row = one.get(id);
        return row === undefined ? undefined : toRecord(row);
      }),
    list: (limit) => read(() => list.all(limit).map(toRecord)),
    inProgress: () => read(() => inProgress.all().map(toRecord)),
    lastReplacing: (kid) =>
      read(() => {
        const row = replacing.get(kid);
        return row === undefined ? undefined : toRecord(row);
      }),
  };
}

/** A new record with every step still to come. */
export function newRotationRecord(
  fields: Pick<RotationRecord, 'id' | 'kind' | 'status' | 'fromKid' | 'toKid' | 'actor' | 'reason' | 'requestedAt'> &
    Partial<RotationRecord>,
): RotationRecord {
  return {
    newStandbyKid: null,
    gateStartedAt: null,
    gateCompletedAt: null,
    gateOutcome: null,
    unconfirmedInstances: [],
    promotedAt: null,
    fromKeyState: null,
    fromKeyChangedAt: null,
    standbyCreatedAt: null,
    completedAt: null,
    abortedReason: null,
    rollbackOf: null,
    rolledBackBy: null,
    rolledBackAt: null,
    ...fields,
  };
}
