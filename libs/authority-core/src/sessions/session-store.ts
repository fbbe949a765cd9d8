import type { RevocationTarget } from '@revmesh/contracts';
import { translateStoreError, type AuthorityStore } from '../store/store';
import type { ActorClaim } from '../tokens/token-issuer';

/** Why a session ended (`end_reason`). */
export type SessionEndReason =
  /** A `sid`, `sub`, `client_id` or `jkt` revocation covered it (operator, SSF, disabled client…). */
  | 'revoked'
  /** The client revoked its refresh token (RFC 7009). */
  | 'client-revoked'
  /** A rotated refresh token was replayed after the grace window. */
  | 'refresh-token-reuse'
  /** Not refreshed within `sessions.idleSeconds`. */
  | 'idle'
  /** Past `sessions.absoluteSeconds` since it started. */
  | 'expired';

/** One session (a refresh-token family), as stored. Times are epoch ms. */
export interface SessionRecord {
  readonly sid: string;
  readonly clientId: string;
  /** The access tokens' `sub` (see `session-subject.ts`). */
  readonly sub: string;
  /** The subject token's own `iss` and `sub`. */
  readonly subjectIssuer: string;
  readonly subject: string;
  readonly act: ActorClaim | null;
  readonly audience: string;
  /** Space-delimited, possibly empty. */
  readonly scope: string;
  /** Thumbprint of a key the family is bound to (proof of possession), or null. */
  readonly jkt: string | null;
  readonly createdAt: number;
  readonly lastUsedAt: number;
  /** The absolute end. */
  readonly expiresAt: number;
  readonly endedAt: number | null;
  readonly endReason: SessionEndReason | null;
}

/** One refresh token of a family, as stored (never the token itself). */
export interface RefreshTokenRecord {
  readonly digest: Buffer;
  readonly sid: string;
  readonly parent: Buffer | null;
  readonly issuedAt: number;
  /** When it was first exchanged for a successor (rotation), or null while it is the newest. */
  readonly usedAt: number | null;
  readonly revokedAt: number | null;
}

/** A revocation as far as sessions care: what it names, for which issuer, when. */
export interface SessionCoveringRevocation {
  readonly target: RevocationTarget;
  /** Undefined: the authority's own tokens. */
  readonly iss?: string | undefined;
  readonly revokedAt: number;
}

/** Filters of {@link SessionStore.list}. */
export interface SessionFilter {
  readonly sub?: string;
  readonly clientId?: string;
  /** Only sessions not ended (they may still have passed their idle or absolute end). */
  readonly activeOnly?: boolean;
  /** Default 100, at most 1000. */
  readonly limit?: number;
}

/**
 * The `sessions` and `refresh_tokens` tables. Every method is synchronous (SQLite); writes run in
 * the caller's transaction when there is one, else in their own.
 */
export interface SessionStore {
  /** Stores a new session and its first refresh token. */
  create(session: SessionRecord, firstRefreshToken: Buffer): void;
  session(sid: string): SessionRecord | undefined;
  refreshToken(digest: Buffer): RefreshTokenRecord | undefined;
  /**
   * Marks `parent` used (if it was not yet), stores its successor and moves the session's idle
   * clock. Returns false, storing nothing, when the parent was rotated by someone else meanwhile
   * and `allowUsed` is false.
   */
  rotate(parent: Buffer, successor: Buffer, sid: string, now: number, allowUsed: boolean): boolean;
  /**
   * Ends a session and revokes every refresh token of its family. Returns false when it had
   * ended already (the first reason is kept).
   */
  end(sid: string, reason: SessionEndReason, now: number): boolean;
  /**
   * Ends every live session a revocation covers: started at or before it, and named by it
   * (`sid`, `sub`, `client_id`, `jkt` of the authority's own tokens; `sub` of an external issuer
   * matches the sessions of that issuer's subject). `jti` rules cover no session.
   * @returns the sids ended.
   */
  endCovered(revocation: SessionCoveringRevocation, now: number): string[];
  /**
   * Ends every live session a live revocation of the store covers (what {@link endCovered} would
   * have done, had it run): called at open, so a crash between a revocation's commit and the end
   * of its sessions leaves no refresh token alive.
   * @returns the sids ended.
   */
  endAllCovered(now: number): string[];
  /**
   * Whether a live revocation accepted at or after the session started covers it (the
   * {@link endCovered} rule, for one session): the refresh grant's own check, so a session whose
   * end was not recorded yet (the authority died in between) still refreshes nothing.
   */
  isCovered(session: SessionRecord, now: number): boolean;
  /** Sessions, newest first. */
  list(filter: SessionFilter): SessionRecord[];
}

interface SessionRow {
  sid: string;
  client_id: string;
  sub: string;
  subject_iss: string;
  subject: string;
  act: string | null;
  audience: string;
  scope: string;
  jkt: string | null;
  created_at: number;
  last_used_at: number;
  expires_at: number;
  ended_at: number | null;
  end_reason: string | null;
}

interface RefreshRow {
  token_sha256: Buffer;
  sid: string;
  parent_sha256: Buffer | null;
  issued_at: number;
  used_at: number | null;
  revoked_at: number | null;
}

const toSession = (row: SessionRow): SessionRecord => ({
  sid: row.sid,
  clientId: row.client_id,
  sub: row.sub,
  subjectIssuer: row.subject_iss,
  subject: row.subject,
  act: row.act === null ? null : (JSON.parse(row.act) as ActorClaim),
  audience: row.audience,
  scope: row.scope,
  jkt: row.jkt,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  expiresAt: row.expires_at,
  endedAt: row.ended_at,
  endReason: row.end_reason as SessionEndReason | null,
});

/**
 * Which live sessions a revocation row `r` covers, as SQL over `sessions s` (shared by
 * {@link SessionStore.endCovered}'s single revocation and the sweep at open, so the two agree).
 */
const COVERS = `
  s.ended_at IS NULL AND s.created_at <= r.revoked_at AND (
    (r.iss IS NULL AND (
       (r.target_type = 'sid' AND r.target_value = s.sid)
    OR (r.target_type = 'sub' AND r.target_value = s.sub)
    OR (r.target_type = 'client_id' AND r.target_value = s.client_id)
    OR (r.target_type = 'jkt' AND r.target_value = s.jkt)))
    OR (r.iss IS NOT NULL AND r.target_type = 'sub' AND r.iss = s.subject_iss AND r.target_value = s.subject))`;

export function createSessionStore(store: AuthorityStore): SessionStore {
  const db = store.db;
  const insertSession = db.prepare(
    `INSERT INTO sessions (sid, client_id, sub, subject_iss, subject, act, audience, scope, jkt, created_at, last_used_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertToken = db.prepare('INSERT INTO refresh_tokens (token_sha256, sid, parent_sha256, issued_at) VALUES (?, ?, ?, ?)');
  const selectSession = db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE sid = ?');
  const selectToken = db.prepare<[Buffer], RefreshRow>('SELECT * FROM refresh_tokens WHERE token_sha256 = ?');
  const markUsed = db.prepare('UPDATE refresh_tokens SET used_at = ? WHERE token_sha256 = ? AND used_at IS NULL');
  const touch = db.prepare(`UPDATE sessions SET last_used_at = ${db.dialect.greatest('last_used_at', '?')} WHERE sid = ?`);
  const endOne = db.prepare('UPDATE sessions SET ended_at = ?, end_reason = ? WHERE sid = ? AND ended_at IS NULL');
  const revokeFamily = db.prepare('UPDATE refresh_tokens SET revoked_at = ? WHERE sid = ? AND revoked_at IS NULL');
  const coveredBy = db.prepare<[string, string, string | null, number], { sid: string }>(
    // Typed casts: PostgreSQL cannot infer a parameter's type from a SELECT list (it would compare text with created_at).
    `SELECT s.sid FROM sessions s, (SELECT CAST(? AS TEXT) AS target_type, CAST(? AS TEXT) AS target_value, CAST(? AS TEXT) AS iss, CAST(? AS BIGINT) AS revoked_at) r WHERE ${COVERS}`,
  );
  const coveredByLive = db.prepare<[number], { sid: string }>(
    `SELECT DISTINCT s.sid FROM revocations r JOIN sessions s ON ${COVERS} WHERE r.expires_at > ? AND r.target_type <> 'jti'`,
  );

  const liveRule = db.prepare<[string, string, number, number], { one: number }>(
    'SELECT 1 AS one FROM revocations WHERE target_type = ? AND target_value = ? AND iss IS NULL AND expires_at > ? AND revoked_at >= ? LIMIT 1',
  );
  const liveExternalSubRule = db.prepare<[string, string, number, number], { one: number }>(
    "SELECT 1 AS one FROM revocations WHERE target_type = 'sub' AND target_value = ? AND iss = ? AND expires_at > ? AND revoked_at >= ? LIMIT 1",
  );

  const read = <T>(run: () => T): T => {
    try {
      return run();
    } catch (error) {
      throw translateStoreError(error, 'cannot read sessions');
    }
  };
  const write = <T>(run: () => T): T => {
    try {
      return store.transaction(run);
    } catch (error) {
      throw translateStoreError(error, 'cannot write sessions');
    }
  };
  const endAll = (sids: readonly string[], now: number): string[] =>
    sids.filter((sid) => {
      if (endOne.run(now, 'revoked', sid).changes === 0) return false;
      revokeFamily.run(now, sid);
      return true;
    });

  return {
    create(s, first) {
      write(() => {
        insertSession.run(
          s.sid,
          s.clientId,
          s.sub,
          s.subjectIssuer,
          s.subject,
          s.act === null ? null : JSON.stringify(s.act),
          s.audience,
          s.scope,
          s.jkt,
          s.createdAt,
          s.lastUsedAt,
          s.expiresAt,
        );
        insertToken.run(first, s.sid, null, s.createdAt);
      });
    },

    session: (sid) => read(() => {
      const row = selectSession.get(sid);
      return row === undefined ? undefined : toSession(row);
    }),

    refreshToken: (digest) => read(() => {
      const row = selectToken.get(digest);
      return row === undefined
        ? undefined
        : { digest: row.token_sha256, sid: row.sid, parent: row.parent_sha256, issuedAt: row.issued_at, usedAt: row.used_at, revokedAt: row.revoked_at };
    }),

    rotate(parent, successor, sid, now, allowUsed) {
      return write(() => {
        const first = markUsed.run(now, parent).changes === 1;
        if (!first && !allowUsed) return false;
        insertToken.run(successor, sid, parent, now);
        touch.run(now, sid);
        return true;
      });
    },

    end(sid, reason, now) {
      return write(() => {
        if (endOne.run(now, reason, sid).changes === 0) return false;
        revokeFamily.run(now, sid);
        return true;
      });
    },

    endCovered(revocation, now) {
      if (revocation.target.type === 'jti') return [];
      return write(() => {
        const sids = coveredBy.all(revocation.target.type, revocation.target.value, revocation.iss ?? null, revocation.revokedAt).map((r) => r.sid);
        return endAll(sids, now);
      });
    },

    endAllCovered(now) {
      return write(() => endAll(coveredByLive.all(now).map((r) => r.sid), now));
    },

    isCovered(session, now) {
      return read(() => {
        const own: [string, string | null][] = [
          ['sid', session.sid],
          ['sub', session.sub],
          ['client_id', session.clientId],
          ['jkt', session.jkt],
        ];
        if (own.some(([type, value]) => value !== null && liveRule.get(type, value, now, session.createdAt) !== undefined)) return true;
        return liveExternalSubRule.get(session.subject, session.subjectIssuer, now, session.createdAt) !== undefined;
      });
    },

    list(filter) {
      const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1000);
      const where: string[] = [];
      const params: (string | number)[] = [];
      if (filter.sub !== undefined) {
        where.push('sub = ?');
        params.push(filter.sub);
      }
      if (filter.clientId !== undefined) {
        where.push('client_id = ?');
        params.push(filter.clientId);
      }
      if (filter.activeOnly === true) where.push('ended_at IS NULL');
      const sql = `SELECT * FROM sessions ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY created_at DESC, sid LIMIT ?`;
      return read(() => db.prepare<(string | number)[], SessionRow>(sql).all(...params, limit).map(toSession));
    },
  };
}
