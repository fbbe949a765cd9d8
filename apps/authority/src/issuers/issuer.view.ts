import type { TrustedIssuer } from '@revmesh/authority-core';

/** A trusted issuer as the API shows it. Times: ISO 8601. */
export interface IssuerView {
  readonly issuer: string;
  readonly description: string;
  readonly enabled: boolean;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export function issuerView(issuer: TrustedIssuer): IssuerView {
  return {
    issuer: issuer.issuer,
    description: issuer.description,
    enabled: issuer.enabled,
    createdBy: issuer.createdBy,
    createdAt: new Date(issuer.createdAt).toISOString(),
    updatedAt: new Date(issuer.updatedAt).toISOString(),
  };
}

/** Where a registered issuer is read: its URL, percent-encoded as one path segment. */
export function issuerLocation(issuer: string): string {
  return `/v1/issuers/${encodeURIComponent(issuer)}`;
}
