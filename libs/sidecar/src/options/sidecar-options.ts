import type { MeterProvider } from '@opentelemetry/api';
import type { JSONWebKeySet } from 'jose' with { 'resolution-mode': 'import' };
import type { EventTransport } from '@revmesh/transport';
import type { SidecarLogger } from '../logging/logger';
import type { Clock, Milliseconds, Seconds } from '../internal/units';
import type { SidecarDpopOptions } from '../dpop/dpop-options';
import type { SupportedAlgorithm } from '../verify/algorithms';
import type { EventSignersOption } from './event-signers-option';

/**
 * The default: the key set is built from the signed events of the keys topic (`<prefix>keys.v1`).
 * Nothing on the verify path touches the network; `pending`, `active` and `retiring` keys verify,
 * `retired` keys are gone (`KEY_UNKNOWN`) and `revoked` keys are refused with `KEY_REVOKED`.
 */
export interface KafkaKeysOptions {
  readonly source: 'kafka';
}

/**
 * Keys fetched from the authority's JWKS endpoint and cached (jose `createRemoteJWKSet`), for
 * verifiers outside the mesh. A token with an unknown `kid` triggers a refetch, at most once per
 * `cooldownMs`. Prefer the default ({@link KafkaKeysOptions}): it needs no HTTP and learns of a
 * key's revocation in milliseconds. A key revoked on the keys topic is refused (`KEY_REVOKED`)
 * whatever the JWKS says.
 */
export interface RemoteKeysOptions {
  /**
   * The JWKS URL, e.g. `https://auth.example.com/.well-known/jwks.json`. Must be `https:`;
   * plain `http:` is accepted only on a loopback host (127.0.0.1, ::1, localhost) unless
   * {@link RemoteKeysOptions.allowInsecureHttp} is set.
   */
  readonly jwksUrl: string;
  /** Minimum time between two refetches triggered by an unknown `kid`, ms. Default 30000 (jose's). Bounds the load a flood of forged `kid`s can put on the authority. */
  readonly cooldownMs?: Milliseconds;
  /** How long a fetched key set is used before it is refetched, ms. Default 600000 (10 minutes). */
  readonly cacheMaxAgeMs?: Milliseconds;
  /** Timeout of one JWKS request, ms. Default 5000. */
  readonly timeoutMs?: Milliseconds;
  /** Extra request headers (e.g. a proxy's authorization). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The fetch implementation, for proxies, mTLS agents or tests. Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
  /**
   * **Weakens security.** Accepts an `http:` JWKS URL on a non-loopback host, where anyone on the
   * network path can substitute their own keys and mint accepted tokens. Default false.
   */
  readonly allowInsecureHttp?: boolean;
}

/**
 * A fixed key set, for tests and air-gapped setups. Public keys only; a private key (`d`) or an
 * `oct` key is refused. Key events on the keys topic still apply as denials: a key revoked there
 * is refused (`KEY_REVOKED`) even if this set holds it.
 */
export interface StaticKeysOptions {
  readonly jwks: JSONWebKeySet;
}

/** Where token-verification keys come from. Default `{ source: 'kafka' }`. */
export type SidecarKeysOptions = KafkaKeysOptions | RemoteKeysOptions | StaticKeysOptions;

/**
 * Keys of an OpenID Connect provider found by discovery: the sidecar reads
 * `<issuer>/.well-known/openid-configuration` (its `issuer` member must equal the configured
 * issuer exactly), then uses its `jwks_uri` like {@link RemoteKeysOptions.jwksUrl} (jose
 * `createRemoteJWKSet`: cached for `cacheMaxAgeMs`, refetched on an unknown `kid` at most once per
 * `cooldownMs`). Discovery runs on the first token of that issuer, so an unreachable provider
 * never delays readiness; a failed discovery answers `KEYS_UNAVAILABLE` and is retried after
 * `cooldownMs`. The HTTPS rule of `jwksUrl` applies to the issuer URL and to the discovered `jwks_uri`;
 * the discovery request follows no redirect (a 3xx answer is a failed discovery).
 */
export interface DiscoveryKeysOptions extends Omit<RemoteKeysOptions, 'jwksUrl'> {
  readonly discovery: true;
}

/** Where one issuer's keys come from: the keys topic (the revmesh authority only), OIDC discovery, a JWKS URL, or a static set. */
export type IssuerKeysOptions = SidecarKeysOptions | DiscoveryKeysOptions;

/**
 * One trusted token issuer besides (or instead of) the top-level `issuer`, e.g. the company's
 * Keycloak, Auth0, Okta or Entra tenant. The sidecar picks the issuer by the token's `iss`
 * (exact string match); a token whose `iss` is none of them is `ISSUER_MISMATCH`.
 *
 * Deny rules are scoped by issuer: a revocation names the issuer it targets (events without one
 * mean the revmesh authority's own issuer), so revoking `sub=alice` of one issuer never denies
 * `alice` of another.
 *
 * @example
 * issuers: [{
 *   issuer: 'https://sso.example.com/realms/acme',
 *   keys: { discovery: true },
 *   audience: 'orders-api',
 *   algorithms: ['RS256'],
 *   typ: ['JWT'],
 * }]
 */
export interface SidecarIssuerOptions {
  /** The exact `iss` of this issuer's tokens, e.g. `https://sso.example.com/realms/acme`. Required. */
  readonly issuer: string;
  /**
   * Where this issuer's keys come from. Required: `{ discovery: true }` (OIDC discovery),
   * `{ jwksUrl }`, or `{ jwks }` (static). `{ source: 'kafka' }` marks this entry as the revmesh
   * authority itself (then leave the top-level `issuer` out; at most one issuer reads the keys topic).
   */
  readonly keys: IssuerKeysOptions;
  /** Accepted audiences of this issuer's tokens (`aud` must contain one). Default: the top-level `audience`. */
  readonly audience?: string | readonly string[];
  /**
   * Accepted JWS algorithms. Default `['ES256', 'EdDSA']` for the keys topic (what the authority
   * signs with), `['RS256', 'ES256']` otherwise (what common OIDC providers sign with). `none`
   * and `HS*` are refused at validation.
   */
  readonly algorithms?: readonly SupportedAlgorithm[];
  /**
   * Accepted header `typ` values (media types, compared case-insensitively, `application/`
   * optional). Default `['at+jwt']` (RFC 9068) for the keys topic; `['at+jwt', 'JWT']` otherwise
   * (Keycloak, Auth0 and Okta access tokens carry `typ: JWT`).
   */
  readonly typ?: readonly string[];
  /**
   * **Weakens security.** Also accept a token with no header `typ`, so an ID token or another JWT
   * of this issuer with a matching audience may pass as an access token. Default false.
   */
  readonly allowMissingTyp?: boolean;
  /**
   * Claims that name the client, tried in order; the first present one becomes the verified
   * claims' `client_id` (what `client_id` deny rules match). Default `['client_id']` for the keys
   * topic; `['client_id', 'azp']` otherwise (Okta uses `cid`, Entra v1 `appid`). A token with
   * none of them is `CLAIM_MISSING`.
   */
  readonly clientIdClaims?: readonly string[];
  /**
   * Claims that must be present besides those always required (`iss`, `sub`, `aud`, `exp`, `iat`,
   * `jti` and the client claim), e.g. `['scope']`. Default none. A missing one is `CLAIM_MISSING`.
   */
  readonly requiredClaims?: readonly string[];
}

/** Bounds of the in-memory deny list. */
export interface DenyListOptions {
  /**
   * Most deny entries held at once. Default 1_000_000; at most 20_000_000.
   *
   * Size it to `revocation rate × maxTokenLifetimeSeconds`: a rule is dropped once no token it
   * could match can still be valid, so that product bounds how many are live at once. If the
   * limit is reached anyway, the sidecar must drop a live rule; it then **fails closed**: every
   * `verify` answers `DENY_LIST_OVERFLOW` until every dropped rule has expired, logs at error
   * and counts `revmesh.sidecar.deny_list.evictions`.
   */
  readonly maxEntries?: number;
}

/**
 * Bounds of the verified-token cache: a token verified in full (signature, issuer, audience,
 * time claims) is remembered by its exact string, so the same token seen again skips the
 * signature check (about 20x faster). Deny rules, kill-switch cuts, lockdown, readiness and
 * staleness are still checked on every call; an entry never outlives the token's `exp` or
 * `maxAgeMs`, and every key or kill-switch event empties the cache. Memory: at most `maxBytes`
 * (estimated: the token, twice its decoded payload and 320 bytes per entry) and `maxEntries`
 * entries, oldest dropped first; nothing allocated before the first entry.
 */
export interface TokenCacheOptions {
  /** Most tokens held. Default 10_000; 0 turns the cache off; at most 1_000_000. */
  readonly maxEntries?: number;
  /** Most (estimated) bytes held. Default 16_777_216 (16 MiB); at most 1_073_741_824. */
  readonly maxBytes?: number;
  /**
   * Longest an entry is kept after its full verification, ms (besides `exp`, always). Default
   * 60000; at most 3600000. Bounds how long a key dropped from a remote JWKS keeps vouching for
   * tokens it signed without a key event.
   */
  readonly maxAgeMs?: Milliseconds;
}

/**
 * What a verification does while the sidecar is stale (it has heard nothing signed from the
 * authority — no event, no `authority.heartbeat` — for longer than `staleness.maxSilenceMs`):
 *
 * - `'fail-closed'` (default): reject with `STALE_STATE` (HTTP 503): a revocation may have been
 *   issued that this sidecar cannot have seen.
 * - `'fail-open-UNSAFE'`: **weakens security.** Accept a token that passes every other check
 *   although revocations issued during the silence may be missing; every such acceptance is
 *   counted (`revmesh.sidecar.fail_open.accepted`) and logged at warn. Only for routes where
 *   availability matters more than honouring a revocation within the bound.
 */
export type StalePolicy = 'fail-closed' | 'fail-open-UNSAFE';

/** How long the sidecar may hear nothing from the authority before it counts as stale. */
export interface StalenessOptions {
  /**
   * Longest silence (no applied event nor authority heartbeat) before the sidecar is stale, ms.
   * Default 60000; between 1000 and 86400000. Keep it at 4x the authority's heartbeat interval or more.
   */
  readonly maxSilenceMs?: Milliseconds;
  /** The default policy while stale; routes may override it (`verify(token, { stalePolicy })`). Default `'fail-closed'`. */
  readonly policy?: StalePolicy;
}

/**
 * Options of {@link createSidecar}. Validated at runtime: a mistake throws a `TypeError` listing
 * every problem and how to fix it. Give exactly one of `transport` and `brokers`.
 */
export interface SidecarOptions {
  /**
   * The revmesh authority's issuer: the expected `iss` of its tokens, e.g.
   * `https://auth.example.com`, verified with `keys`, `algorithms` and `requiredTyp`; revocations
   * that name no issuer apply to its tokens. Required unless `issuers` lists at least one issuer.
   */
  readonly issuer?: string;
  /**
   * Further trusted issuers (OIDC providers), each with its own keys, algorithms, audience, `typ`
   * and client claim; a token is verified with the entry matching its `iss`. Default none. Issuer
   * URLs must be distinct (the top-level `issuer` included).
   */
  readonly issuers?: readonly SidecarIssuerOptions[];
  /**
   * This service's audience: a token is accepted if its `aud` contains any of these (issuers may
   * override it). Also names the service to kill switches and in heartbeats. Required.
   */
  readonly audience: string | readonly string[];
  /**
   * Where token-verification keys come from. Default `{ source: 'kafka' }`: the signed events of
   * the keys topic. `{ jwks }` (static) and `{ jwksUrl }` (HTTP) remain for tests and third parties.
   */
  readonly keys?: SidecarKeysOptions;
  /**
   * The trust anchors: public Ed25519 JWKs (`kty: 'OKP'`, `crv: 'Ed25519'`, `x`, `kid`) of the
   * authority's event-signing key(s), as an array or as a JWK Set `{ keys: [...] }` (what
   * `revmesh event-signers pin` prints). Required, at least one. Every record on the revocations and
   * keys topics must be a JWS signed by a trusted signer, or it is rejected (counted, logged, never
   * applied). Signers announced on the keys topic by a trusted signer join the set; withdrawn ones
   * leave it. A JWK with private members (`d`) is refused: the private key never leaves the
   * authority. Take the anchors from configuration you control (e.g. env `REVMESH_EVENT_SIGNERS`),
   * not from the network at every start.
   */
  readonly eventSigners: EventSignersOption;
  /**
   * Accepted JWS algorithms. Default `['ES256', 'EdDSA']`. `none` and `HS*` are refused at
   * validation; the header `alg` is checked against this list before any key is looked up.
   */
  readonly algorithms?: readonly SupportedAlgorithm[];
  /**
   * Allowed clock skew between the issuer and this host for `exp`, `nbf` and `iat`, seconds.
   * Default 5, at most 300. **Every second added extends the life of an expired token.**
   */
  readonly clockToleranceSeconds?: Seconds;
  /** Required header `typ` (compared as a media type, case-insensitively). Default `'at+jwt'` (RFC 9068). */
  readonly requiredTyp?: string;
  /** Tokens larger than this are `MALFORMED` without being parsed, bytes. Default 8192, between 512 and 65536. */
  readonly maxTokenBytes?: number;
  /**
   * The longest access-token lifetime the issuer uses, seconds. Default 86400 (one day), at most
   * 2_592_000 (30 days). Two uses: no deny rule is kept longer than this (bounding memory even if
   * an event says otherwise), and a token whose `iat` is older than this is `TOKEN_EXPIRED`
   * whatever its `exp` says (so no token can outlive the rules that could revoke it); a token
   * whose own lifetime (`exp - iat`) is longer is `TOKEN_LIFETIME_EXCEEDED`, even while fresh.
   * Set it to the authority policy's `tokens.maxLifetimeSeconds`.
   */
  readonly maxTokenLifetimeSeconds?: Seconds;
  /**
   * How long a token signed by a key the keys topic announced as `pending` (the pre-published
   * standby, which the authority never signs with) waits for that key's promotion, milliseconds.
   * Default 2000, at most 10000; 0 refuses at once. It absorbs the race where a fresh token
   * reaches this service a moment before the promotion event; the token is accepted only if it
   * was issued at or after the promotion (within `clockToleranceSeconds`), else `KEY_NOT_ACTIVE`.
   */
  readonly pendingKeyGraceMs?: Milliseconds;
  /** Deny-list bounds. */
  readonly denyList?: DenyListOptions;
  /** Bounds of the verified-token cache; see {@link TokenCacheOptions}. */
  readonly tokenCache?: TokenCacheOptions;
  /** Cold start from the authority's signed snapshots; see {@link SnapshotOptions}. */
  readonly snapshots?: SnapshotOptions;
  /** The broker to read revocations and keys from, and to report to. Give this (e.g. an in-memory fake in tests) or `brokers`. */
  readonly transport?: EventTransport;
  /** Kafka bootstrap brokers (`host:port`): the sidecar creates, and on `close()` closes, its own Kafka transport. */
  readonly brokers?: readonly string[];
  /** Prefix of revmesh topic names. Default `'revmesh.'` (from `@revmesh/contracts`). */
  readonly topicPrefix?: string;
  /**
   * Names this sidecar in logs, metrics, broker client ids and its heartbeats and acks (the
   * record key on the acks topic); 1-200 of `A-Z a-z 0-9 . _ : -`. Set it to something stable
   * across restarts (e.g. the pod name) so the authority sees a restart, not a new instance.
   * Default `${hostname}-${pid}-${random hex}`.
   */
  readonly instanceId?: string;
  /**
   * How often this instance sends a `sidecar.heartbeat` on the acks topic, ms. Default 5000,
   * between 100 and 600000. The authority counts an instance as gone after 3 missed intervals,
   * so a longer interval makes a dead instance look alive for longer.
   */
  readonly heartbeatIntervalMs?: Milliseconds;
  /** Where the sidecar logs. Default: JSON lines on stderr, warn level and above. */
  readonly logger?: SidecarLogger;
  /** Current time, epoch ms. Default `Date.now`. Drives token time checks, deny-rule expiry and latency measurement. */
  readonly clock?: Clock;
  /**
   * Where metrics go. Default: the global provider (`metrics.getMeterProvider()` from
   * `@opentelemetry/api`), which is a no-op costing nothing until an SDK is registered.
   */
  readonly meterProvider?: MeterProvider;
  /** Staleness bound and default policy. Default `{ maxSilenceMs: 60000, policy: 'fail-closed' }`. */
  readonly staleness?: StalenessOptions;
  /**
   * Fraction (0..1) of rejected verifications that get a `token.verify` span. Default 0.01.
   * Accepted verifications never get one (the hot path stays span-free). 0 disables.
   */
  readonly traceRejectedVerifications?: number;
  /**
   * DPoP (RFC 9449): how proofs of tokens bound to a client key (`cnf.jkt`) are checked: proof
   * algorithms, proof window, replay cache bound, server nonces, and the public base URL behind a
   * proxy. See {@link SidecarDpopOptions}; every field has a default.
   */
  readonly dpop?: SidecarDpopOptions;
}

/**
 * Cold start from a signed snapshot. At start, once the keys topic is read, the sidecar reads the
 * snapshot topic, takes the newest snapshot signed by a trusted event signer whose chunks all
 * match their hashes, loads its rules in bulk, and then reads the revocations topic only from the
 * offsets the snapshot covers. Without a usable one (none yet, refused, or a topic recreated
 * since) it replays the revocations topic in full, as without snapshots: a snapshot can make a
 * start faster, never change what is enforced.
 */
export interface SnapshotOptions {
  /** Default true. False: always replay the revocations topic in full. */
  readonly enabled?: boolean;
  /**
   * Longest wait for the snapshot topic to be read, ms; after it the sidecar replays in full.
   * Default 30000, between 1000 and 600000.
   */
  readonly timeoutMs?: Milliseconds;
}
