import type { AuthorityStore } from '../store/store';

/** One enrolment code as stored (its hash, never the code). Times are epoch ms. */
export interface EnrolmentRecord {
  readonly id: string;
  readonly operatorId: string;
  readonly codeSha256: string;
  /** Username of the operator who issued it, or `bootstrap`. */
  readonly issuedBy: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** The TOTP secret offered when the enrolment started (sealed), until confirmed. */
  readonly sealedTotpSecret: string | null;
  readonly usedAt: number | null;
  /** Withdrawn by a newer code, a reset or a completed enrolment. */
  readonly revokedAt: number | null;
}

interface Row {
  id: string;
  operator_id: string;
  code_sha256: string;
  issued_by: string;
  issued_at: number;
  expires_at: number;
  sealed_totp_secret: string | null;
  used_at: number | null;
  revoked_at: number | null;
}

/** The `operator_enrolments` table. Synchronous: callers compose it inside transactions. */
export interface EnrolmentStore {
  insert(record: Omit<EnrolmentRecord, 'sealedTotpSecret' | 'usedAt' | 'revokedAt'>): void;
  findByCodeHash(codeSha256: string): EnrolmentRecord | undefined;
  /** Stores the TOTP secret offered by a started enrolment (replacing an earlier offer). */
  offerTotp(id: string, sealedTotpSecret: string): void;
  /** Marks the code used, unless it was used or withdrawn meanwhile: false then (the single-use compare-and-set). */
  markUsed(id: string, at: number): boolean;
  /** Withdraws every open code of the operator; returns how many. */
  revokeOpenOf(operatorId: string, at: number): number;
}

function fromRow(row: Row): EnrolmentRecord {
  return {
    id: row.id,
    operatorId: row.operator_id,
    codeSha256: row.code_sha256,
    issuedBy: row.issued_by,
    issuedAt: row.issued_at,
    expiresAt: row.expires_at,
    sealedTotpSecret: row.sealed_totp_secret,
    usedAt: row.used_at,
    revokedAt: row.revoked_at,
  };
}

export function createEnrolmentStore(store: AuthorityStore): EnrolmentStore {
  const db = store.db;
  const insert = db.prepare(
    `INSERT INTO operator_enrolments (id, operator_id, code_sha256, issued_by, issued_at, expires_at)
     VALUES (@id, @operatorId, @codeSha256, @issuedBy, @issuedAt, @expiresAt)`,
  );
  const byHash = db.prepare<[string], Row>('SELECT * FROM operator_enrolments WHERE code_sha256 = ?');
  const offer = db.prepare('UPDATE operator_enrolments SET sealed_totp_secret = ? WHERE id = ?');
  // Used: the offered secret is copied to the operator and dropped here.
  const use = db.prepare(
    'UPDATE operator_enrolments SET used_at = ?, sealed_totp_secret = NULL WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL',
  );
  const revoke = db.prepare(
    'UPDATE operator_enrolments SET revoked_at = ?, sealed_totp_secret = NULL WHERE operator_id = ? AND used_at IS NULL AND revoked_at IS NULL',
  );
  return {
    insert: (r) => void insert.run({ id: r.id, operatorId: r.operatorId, codeSha256: r.codeSha256, issuedBy: r.issuedBy, issuedAt: r.issuedAt, expiresAt: r.expiresAt }),
    findByCodeHash: (hash) => {
      const row = byHash.get(hash);
      return row === undefined ? undefined : fromRow(row);
    },
    offerTotp: (id, sealed) => void offer.run(sealed, id),
    markUsed: (id, at) => use.run(at, id).changes === 1,
    revokeOpenOf: (operatorId, at) => revoke.run(at, operatorId).changes,
  };
}
