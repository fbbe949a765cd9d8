import { isUniqueViolation, type AuthorityStore } from '../store/store';
import { OperatorExistsError } from '../errors/errors';
import type { Operator } from './operator';
import type { Role } from './roles';

/** An operator row with its secrets (sealed TOTP secret, password hash): never leaves the core. */
export interface OperatorRecord extends Operator {
  readonly passwordHash: string;
  readonly sealedTotpSecret: string;
  readonly totpLastStep: number | null;
}

export interface SessionRecord {
  readonly sid: string;
  readonly operatorId: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly endedAt: number | null;
}

interface OperatorRow {
  id: string;
  username: string;
  role: Role;
  password_hash: string;
  sealed_totp_secret: string;
  totp_last_step: number | null;
  disabled_at: number | null;
  created_at: number;
  created_by: string;
  enrolled_at: number | null;
}

interface SessionRow {
  sid: string;
  operator_id: string;
  created_at: number;
  expires_at: number;
  ended_at: number | null;
}

/** Operators and their sessions in SQLite. Synchronous: callers compose it inside transactions. */
export interface OperatorStore {
  /** @throws {OperatorExistsError} when the username (any case) is taken. */
  insert(record: OperatorRecord): void;
  /** By username, case-insensitively. */
  find(username: string): OperatorRecord | undefined;
  findById(id: string): OperatorRecord | undefined;
  list(): OperatorRecord[];
  /** Security-admins; with `enabledOnly`, only those enabled and enrolled (who can act). */
  countSecurityAdmins(enabledOnly: boolean): number;
  /** Operators whose `createdBy` is `createdBy` (e.g. how many the bootstrap token made). */
  countCreatedBy(createdBy: string): number;
  /** Sets the operator's own password hash and sealed TOTP secret: they are enrolled from `at`. */
  setCredentials(operatorId: string, credentials: { readonly passwordHash: string; readonly sealedTotpSecret: string; readonly totpLastStep: number; readonly at: number }): void;
  /** Forgets the password and TOTP secret: the operator must enrol again. */
  clearCredentials(operatorId: string): void;
  setRole(operatorId: string, role: Role): void;
  enable(operatorId: string): void;
  /**
   * Records `step` as the operator's last used TOTP step, unless a step at or after it was
   * used already (a concurrent login with the same code). False when refused.
   */
  claimTotpStep(operatorId: string, step: number): boolean;
  disable(operatorId: string, at: number): void;
  openSession(session: SessionRecord & { readonly sourceAddress: string | null }): void;
  findSession(sid: string): SessionRecord | undefined;
  endSession(sid: string, at: number): void;
  /** Ends every open session of the operator; returns how many. */
  endSessionsOf(operatorId: string, at: number): number;
}

function toRecord(row: OperatorRow): OperatorRecord {
  return {
    id: row.id,
    username: row.username,
    role: row.role,
    createdAt: row.created_at,
    createdBy: row.created_by,
    disabledAt: row.disabled_at,
    enrolledAt: row.enrolled_at,
    passwordHash: row.password_hash,
    sealedTotpSecret: row.sealed_totp_secret,
    totpLastStep: row.totp_last_step,
  };
}

export function createOperatorStore(store: AuthorityStore): OperatorStore {
  const db = store.db;
  const insert = db.prepare(
    `INSERT INTO operators (id, username, role, password_hash, sealed_totp_secret, totp_last_step, disabled_at, created_at, created_by, enrolled_at)
     VALUES (@id, @username, @role, @passwordHash, @sealedTotpSecret, @totpLastStep, @disabledAt, @createdAt, @createdBy, @enrolledAt)`,
  );
  const byName = db.prepare<[string], OperatorRow>('SELECT * FROM operators WHERE username = ?');
  const byId = db.prepare<[string], OperatorRow>('SELECT * FROM operators WHERE id = ?');
  const all = db.prepare<[], OperatorRow>('SELECT * FROM operators ORDER BY created_at, rowid');
  const admins = db.prepare<[number], number>(
    "SELECT COUNT(*) FROM operators WHERE role = 'security-admin' AND (? = 0 OR (disabled_at IS NULL AND enrolled_at IS NOT NULL))",
  );
  const createdByCount = db.prepare<[string], number>('SELECT COUNT(*) FROM operators WHERE created_by = ?');
  const setCredentials = db.prepare(
    'UPDATE operators SET password_hash = @passwordHash, sealed_totp_secret = @sealedTotpSecret, totp_last_step = @totpLastStep, enrolled_at = @at WHERE id = @id',
  );
  const clearCredentials = db.prepare(
    "UPDATE operators SET password_hash = '', sealed_totp_secret = '', totp_last_step = NULL, enrolled_at = NULL WHERE id = ?",
  );
  const setRole = db.prepare('UPDATE operators SET role = ? WHERE id = ?');
  const enable = db.prepare('UPDATE operators SET disabled_at = NULL WHERE id = ?');
  const claim = db.prepare(
    'UPDATE operators SET totp_last_step = ? WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)',
  );
  const disable = db.prepare('UPDATE operators SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL');
  const open = db.prepare(
    `INSERT INTO operator_sessions (sid, operator_id, created_at, expires_at, ended_at, source_address)
     VALUES (@sid, @operatorId, @createdAt, @expiresAt, @endedAt, @sourceAddress)`,
  );
  const session = db.prepare<[string], SessionRow>('SELECT * FROM operator_sessions WHERE sid = ?');
  const end = db.prepare('UPDATE operator_sessions SET ended_at = ? WHERE sid = ? AND ended_at IS NULL');
  const endAll = db.prepare('UPDATE operator_sessions SET ended_at = ? WHERE operator_id = ? AND ended_at IS NULL');
  return {
    insert(record) {
      try {
        insert.run({
          id: record.id,
          username: record.username,
          role: record.role,
          passwordHash: record.passwordHash,
          sealedTotpSecret: record.sealedTotpSecret,
          totpLastStep: record.totpLastStep,
          disabledAt: record.disabledAt,
          createdAt: record.createdAt,
          createdBy: record.createdBy,
          enrolledAt: record.enrolledAt,
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw new OperatorExistsError(record.username);
        throw error;
      }
    },
    find: (username) => {
      const row = byName.get(username);
      return row === undefined ? undefined : toRecord(row);
    },
    findById: (id) => {
      const row = byId.get(id);
      return row === undefined ? undefined : toRecord(row);
    },
    list: () => all.all().map(toRecord),
    countSecurityAdmins: (enabledOnly) => admins.pluck().get(enabledOnly ? 1 : 0) as number,
    countCreatedBy: (createdBy) => createdByCount.pluck().get(createdBy) as number,
    setCredentials: (id, c) => void setCredentials.run({ id, passwordHash: c.passwordHash, sealedTotpSecret: c.sealedTotpSecret, totpLastStep: c.totpLastStep, at: c.at }),
    clearCredentials: (id) => void clearCredentials.run(id),
    setRole: (id, role) => void setRole.run(role, id),
    enable: (id) => void enable.run(id),
    claimTotpStep: (operatorId, step) => claim.run(step, operatorId, step).changes === 1,
    disable: (operatorId, at) => void disable.run(at, operatorId),
    openSession: (s) => void open.run({ ...s }),
    findSession: (sid) => {
      const row = session.get(sid);
      return row === undefined
        ? undefined
        : { sid: row.sid, operatorId: row.operator_id, createdAt: row.created_at, expiresAt: row.expires_at, endedAt: row.ended_at };
    },
    endSession: (sid, at) => void end.run(at, sid),
    endSessionsOf: (operatorId, at) => endAll.run(at, operatorId).changes,
  };
}
