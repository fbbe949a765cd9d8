import type { Revocation, RevocationStatus } from '@revmesh/authority-core';

/** A revocation as the API shows it. Times: `*_at` epoch ms, `not_after_iat` epoch seconds. */
export interface RevocationView {
  readonly id: string;
  readonly target: Revocation['target']['type'];
  readonly value: string;
  /** The trusted external issuer targeted; null for the authority's own tokens. */
  readonly iss: string | null;
  readonly reason: string;
  readonly revoked_at: number;
  readonly not_after_iat: number;
  readonly expires_at: number;
  readonly published: boolean;
  readonly published_at: number | null;
}

export function revocationView(r: Revocation | RevocationStatus): RevocationView {
  const status = 'published' in r ? r : { published: false, publishedAt: null };
  return {
    id: r.id,
    target: r.target.type,
    value: r.target.value,
    iss: r.iss ?? null,
    reason: r.reason,
    revoked_at: r.revokedAt,
    not_after_iat: r.notAfterIat,
    expires_at: r.expiresAt,
    published: status.published,
    published_at: status.publishedAt,
  };
}
