import { DEFAULT_DPOP_ALGORITHMS } from '@revmesh/contracts';

/**
 * Fields other OAuth features add to the authorization server metadata (RFC 8414), each an
 * object merged over the base document in this order: e.g. a proof-of-possession feature adds
 * `{ dpop_signing_alg_values_supported: [...] }`, a client-authentication method its
 * `token_endpoint_auth_signing_alg_values_supported`. The endpoints, grants and client
 * authentication methods themselves are derived from the code (grant handlers,
 * `CLIENT_AUTH_METHODS`), not listed here.
 */
export const METADATA_CONTRIBUTIONS: readonly Readonly<Record<string, unknown>>[] = [
  // RFC 9449 §5.1: the token endpoint binds tokens to the key of a DPoP proof signed with one of these.
  { dpop_signing_alg_values_supported: [...DEFAULT_DPOP_ALGORITHMS] },
];
