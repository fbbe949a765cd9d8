import {
  checkDpopAlgorithms,
  createDpopKeyCache,
  createDpopNonces,
  createDpopReplayCache,
  DEFAULT_DPOP_ALGORITHMS,
  DEFAULT_DPOP_CLOCK_TOLERANCE_SECONDS,
  DEFAULT_DPOP_MAX_AGE_SECONDS,
  DEFAULT_DPOP_REPLAY_CACHE_ENTRIES,
  verifyDpopProof,
  type DpopNonces,
} from '@revmesh/contracts';
import { DpopProofError } from '../errors/errors';
import { translateStoreError, type AuthorityStore } from '../store/store';
import { systemClock, type Clock, type Seconds } from '../time/clock';

/** A token request's key binding: the RFC 7638 thumbprint its tokens carry as `cnf.jkt`. */
export interface DpopBinding {
  readonly jkt: string;
}

/** What the token endpoint knows of a request when it checks its DPoP proof. */
export interface DpopTokenRequest {
  /** Every `DPoP` header value of the request (RFC 9449 §4.3: exactly one proof). */
  readonly proofs: readonly string[];
  /** The request's method (`POST`). */
  readonly method: string;
  /** The token endpoint's public URL (from the issuer, so right behind a proxy): what `htu` must name. */
  readonly url: string;
  /** The authenticated client. */
  readonly clientId: string;
}

/**
 * The token endpoint's DPoP step (RFC 9449 §5): called for every grant before it issues anything,
 * so a token is bound to the key of the proof (`cnf.jkt`, `token_type: DPoP`) whatever the grant.
 */
export interface DpopTokenBinding {
  /**
   * Checks the request's proof (§4.3: form, `typ`, asymmetric `alg`, public `jwk`, signature,
   * `htm`, `htu`, `iat` window, nonce when required, `jti` not seen before) and that its key is
   * not revoked (a `jkt` revocation in force).
   * @returns the binding; undefined when no proof was sent and the client need not use DPoP.
   * @throws {DpopProofError} `invalid_dpop_proof`, or `use_dpop_nonce` with the nonce to use.
   */
  bind(request: DpopTokenRequest): Promise<DpopBinding | undefined>;
  /** The proof algorithms accepted: the metadata's `dpop_signing_alg_values_supported`. */
  readonly algorithms: readonly string[];
  /** The nonce to hand out (`DPoP-Nonce`), when nonces are required; else undefined. */
  nonce(): string | undefined;
}

export interface DpopTokenBindingOptions {
  readonly store: AuthorityStore;
  /** Accepted proof algorithms (asymmetric). Default `DEFAULT_DPOP_ALGORITHMS` of contracts. */
  readonly algorithms?: readonly string[];
  /** Oldest proof accepted, seconds after its `iat`. Default 60. */
  readonly maxProofAgeSeconds?: Seconds;
  /** Default 5 s. */
  readonly clockToleranceSeconds?: Seconds;
  /**
   * Proofs remembered against replay. Per authority process: replicas behind one load balancer
   * each keep their own (a proof replayed to another replica within the window is not caught).
   * Default 50 000.
   */
  readonly replayCacheMaxEntries?: number;
  /** Require server nonces (RFC 9449 §8); share `secret` between replicas. Default: none required. */
  readonly nonce?: { readonly secret: Uint8Array; readonly periodSeconds?: Seconds };
  readonly clock?: Clock;
}

export function createDpopTokenBinding(options: DpopTokenBindingOptions): DpopTokenBinding {
  const clock = options.clock ?? systemClock;
  const now = (): number => clock.now();
  const algorithms = checkDpopAlgorithms(options.algorithms ?? DEFAULT_DPOP_ALGORITHMS);
  const maxAgeSeconds = options.maxProofAgeSeconds ?? DEFAULT_DPOP_MAX_AGE_SECONDS;
  const clockToleranceSeconds = options.clockToleranceSeconds ?? DEFAULT_DPOP_CLOCK_TOLERANCE_SECONDS;
  const replay = createDpopReplayCache({
    maxEntries: options.replayCacheMaxEntries ?? DEFAULT_DPOP_REPLAY_CACHE_ENTRIES,
    windowSeconds: maxAgeSeconds + clockToleranceSeconds,
    now,
  });
  const nonces: DpopNonces | undefined = options.nonce === undefined ? undefined : createDpopNonces({ ...options.nonce, now });
  const keyCache = createDpopKeyCache();
  const db = options.store.db;
  const requiresDpop = db.prepare<[string], number>('SELECT dpop_bound_access_tokens FROM clients WHERE client_id = ?').pluck();
  // Rules on the authority's own tokens only (iss IS NULL), still in force.
  const keyRevoked = db.prepare<[string, number], number>(
    "SELECT 1 FROM revocations WHERE target_type = 'jkt' AND target_value = ? AND iss IS NULL AND expires_at > ? LIMIT 1",
  ).pluck();

  const refuse = (message: string): never => {
    throw new DpopProofError('invalid_dpop_proof', message);
  };

  return {
    algorithms,
    nonce: () => nonces?.current(),
    async bind(request) {
      let required: boolean;
      try {
        required = requiresDpop.get(request.clientId) === 1;
      } catch (error) {
        throw translateStoreError(error, 'cannot read the client');
      }
      if (request.proofs.length === 0) {
        if (required) refuse('this client must send a DPoP proof with every token request (dpop_bound_access_tokens)');
        return undefined;
      }
      if (request.proofs.length > 1) refuse('send exactly one DPoP header');
      const verified = await verifyDpopProof(
        request.proofs[0]!,
        { method: request.method, url: request.url, ...(nonces === undefined ? {} : { acceptNonce: (n: string) => nonces.accepts(n) }) },
        { algorithms, maxAgeSeconds, clockToleranceSeconds, now, keyCache },
      );
      if (!verified.ok) {
        if (nonces !== undefined && (verified.reason === 'nonce-missing' || verified.reason === 'nonce-invalid')) {
          throw new DpopProofError('use_dpop_nonce', verified.message, nonces.current());
        }
        return refuse(verified.message);
      }
      const { jkt, jti, iat } = verified.proof;
      const seen = replay.check(jkt, jti, iat);
      if (seen !== 'fresh') refuse(seen === 'replay' ? 'this DPoP proof was already used: send a fresh one' : 'this DPoP proof is too old to be checked for replay right now: send a fresh one');
      let revoked: boolean;
      try {
        revoked = keyRevoked.get(jkt, now()) !== undefined;
      } catch (error) {
        throw translateStoreError(error, 'cannot read revocations');
      }
      if (revoked) refuse('this DPoP key is revoked: generate a new key pair');
      return { jkt };
    },
  };
}

/**
 * Whether a client is public (RFC 6749 §2.1: no client authentication). Every client registered
 * today authenticates (`client_secret` or `private_key_jwt`), so none is; a public client kind
 * (token endpoint auth method `none`) must answer true here, and its refresh tokens get bound.
 */
export function isPublicClient(client: { readonly authMethod: string }): boolean {
  return client.authMethod === 'none';
}

/**
 * The key a refresh token is bound to (RFC 9449 §5): a public client's refresh tokens are bound to
 * the key of the request that obtained them; a confidential client's are not (its client
 * authentication already constrains them, and it may change keys). Store the result with the
 * refresh-token family (the session's `jkt`).
 */
export function refreshTokenJkt(client: { readonly isPublic: boolean }, binding: DpopBinding | undefined): string | undefined {
  return client.isPublic ? binding?.jkt : undefined;
}

/**
 * Checks a refresh request against the key its refresh token is bound to (`boundJkt`, from
 * {@link refreshTokenJkt}): a bound refresh token needs a proof of that same key.
 * @throws {DpopProofError} `invalid_dpop_proof` when the proof is missing or of another key.
 */
export function checkRefreshTokenBinding(boundJkt: string | null | undefined, binding: DpopBinding | undefined): void {
  if (boundJkt === null || boundJkt === undefined) return;
  if (binding === undefined) throw new DpopProofError('invalid_dpop_proof', 'this refresh token is bound to a DPoP key: send a DPoP proof of that key');
  if (binding.jkt !== boundJkt) throw new DpopProofError('invalid_dpop_proof', 'this refresh token is bound to another DPoP key');
}
