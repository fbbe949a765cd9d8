/** Longest issuer URL accepted; mirrors the `iss` limit of the `revocation.issued` v1 contract. */
export const MAX_ISSUER_LENGTH = 2048;
/** Longest description of a trusted issuer. */
export const MAX_ISSUER_DESCRIPTION_LENGTH = 500;

/**
 * An OpenID provider whose tokens the company's services accept (Keycloak, Auth0, Okta, Entra...),
 * registered so operators can revoke its subjects, clients and sessions. Sidecars verify its
 * tokens with its own keys (configured in each sidecar's `issuers`); the authority only names it
 * in the revocations it publishes.
 */
export interface TrustedIssuer {
  /** The exact `iss` of its tokens, e.g. `https://sso.example.com/realms/acme`. */
  readonly issuer: string;
  readonly description: string;
  /** A disabled issuer keeps its past revocations but cannot be named by a new one. */
  readonly enabled: boolean;
  /** The operator (or system actor) who registered it. */
  readonly createdBy: string;
  /** Epoch ms. */
  readonly createdAt: number;
  /** Epoch ms of the last change (registration, enable, disable). */
  readonly updatedAt: number;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/;

/**
 * Why `issuer` cannot be registered, or undefined. An issuer is an absolute `https:` URL without
 * query or fragment (OpenID Connect Discovery §3); plain `http:` only on a loopback host (tests,
 * local providers). `ownIssuer`, the authority's own `iss` when given, is not an external issuer.
 */
export function issuerUrlProblem(issuer: string, ownIssuer?: string): string | undefined {
  if (issuer.length === 0 || issuer.length > MAX_ISSUER_LENGTH) return `must be 1..${MAX_ISSUER_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return 'must be an absolute URL, e.g. https://sso.example.com/realms/acme';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.test(url.hostname))) {
    return 'must be an https: URL (plain http only on a loopback host)';
  }
  if (url.search !== '' || url.hash !== '' || issuer.includes('?') || issuer.includes('#')) return 'must not have a query or fragment';
  if (issuer === ownIssuer) return "is the authority's own issuer, which needs no registration (revoke without iss)";
  return undefined;
}
