import type { SessionRecord } from '@revmesh/authority-core';

/** A session as the API shows it (never a token). Times are epoch ms. */
export interface SessionView {
  readonly sid: string;
  readonly client_id: string;
  readonly sub: string;
  readonly subject_issuer: string;
  readonly subject: string;
  readonly act: SessionRecord['act'];
  readonly audience: string;
  readonly scope: string;
  readonly created_at: number;
  readonly last_used_at: number;
  readonly expires_at: number;
  readonly ended_at: number | null;
  readonly end_reason: string | null;
}

export function sessionView(s: SessionRecord): SessionView {
  return {
    sid: s.sid,
    client_id: s.clientId,
    sub: s.sub,
    subject_issuer: s.subjectIssuer,
    subject: s.subject,
    act: s.act,
    audience: s.audience,
    scope: s.scope,
    created_at: s.createdAt,
    last_used_at: s.lastUsedAt,
    expires_at: s.expiresAt,
    ended_at: s.endedAt,
    end_reason: s.endReason,
  };
}
