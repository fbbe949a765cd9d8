import type { KeySet } from '../keys/key-set';
import { createKeySource } from '../keys/key-source';
import { createPendingKeyRule } from '../keys/pending-key-rule';
import type { Clock, Seconds } from '../internal/units';
import type { SidecarLogger } from '../logging/logger';
import type { ResolvedIssuer } from '../options/issuers-option';
import { createIssuerRouter, type IssuerRouter } from './issuer-router';
import { createTokenVerifier } from './token-verifier';

export interface IssuerVerifiersOptions {
  readonly issuers: readonly ResolvedIssuer[];
  /** The key set of the keys topic: keys of the authority's issuer, and which of its `kid`s are revoked. */
  readonly keySet: KeySet;
  readonly clockToleranceSeconds: Seconds;
  readonly maxTokenLifetimeSeconds: Seconds;
  readonly maxTokenBytes: number;
  readonly clock: Clock;
  /** Where a failed OIDC discovery is reported (warn). */
  readonly logger?: SidecarLogger;
  /** How long a token of a pending key waits for the key's promotion. Default `PENDING_KEY_GRACE_MS`. */
  readonly pendingKeyGraceMs?: number;
}

const NEVER_REVOKED = (): boolean => false;

/**
 * One token verifier per trusted issuer, each with its own key source, algorithms, audience,
 * `typ` and client claim, behind the router that picks one by `iss`. Key revocations of the keys
 * topic apply to the revmesh authority's issuer only (another issuer's `kid`s are its own
 * namespace). Throws a `TypeError` for a static key set jose cannot read.
 */
export function createIssuerVerifiers(options: IssuerVerifiersOptions): IssuerRouter {
  const { keySet, clock } = options;
  const isKeyRevoked = (kid: string): boolean => keySet.isRevoked(kid);
  const pendingKeys = createPendingKeyRule({
    keySet,
    clockToleranceSeconds: options.clockToleranceSeconds,
    ...(options.pendingKeyGraceMs === undefined ? {} : { graceMs: options.pendingKeyGraceMs }),
  });
  return createIssuerRouter(
    options.issuers.map((issuer) => ({
      issuer: issuer.issuer,
      authority: issuer.authority,
      verifier: createTokenVerifier({
        issuer: issuer.issuer,
        audience: issuer.audience,
        algorithms: issuer.algorithms,
        typ: issuer.typ,
        allowMissingTyp: issuer.allowMissingTyp,
        clientIdClaims: issuer.clientIdClaims,
        requiredClaims: issuer.requiredClaims,
        clockToleranceSeconds: options.clockToleranceSeconds,
        maxTokenLifetimeSeconds: options.maxTokenLifetimeSeconds,
        maxTokenBytes: options.maxTokenBytes,
        getKey: createKeySource(issuer.keys, keySet, clock, options.logger),
        isKeyRevoked: issuer.authority ? isKeyRevoked : NEVER_REVOKED,
        // Key states come from the keys topic: they concern the authority's issuer only.
        ...(issuer.authority ? { pendingKeys } : {}),
        clock,
      }),
    })),
    options.maxTokenBytes,
  );
}
