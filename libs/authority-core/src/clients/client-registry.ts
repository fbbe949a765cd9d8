import { randomBytes, randomUUID } from 'node:crypto';
import type { JSONWebKeySet, JWK } from 'jose';
import { systemAuditContext, type AuditContext } from '../audit/audit-context';
import type { AuditLog } from '../audit/audit-log';
import { ClientAuthenticationError, ClientAuthMethodConflictError, ClientExistsError, ClientNotFoundError } from '../errors/errors';
import { secretMatchesDigest, sha256 } from '../crypto/constant-time';
import { isUniqueViolation, translateStoreError, type AuthorityStore } from '../store/store';
import { systemClock, type Clock, type Milliseconds } from '../time/clock';
import { clientJwksProblem, encryptionJwkProblem, jwksUriProblem } from './client-keys';

/** Allowed `client_id`s: URL- and header-safe, so they can sit in Basic auth and in topic keys. */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9._~-]{1,128}$/;
/** One scope token (RFC 6749 §3.3: printable ASCII except space, `"` and `\`). */
export const SCOPE_TOKEN_PATTERN = /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/;
/** Longest audience value accepted. */
export const MAX_AUDIENCE_LENGTH = 256;
/** Most clients one list returns. */
export const MAX_CLIENT_LIST = 500;

/**
 * How a client authenticates at the token endpoint: `client_secret` (HTTP Basic or form post,
 * RFC 6749 §2.3.1) or `private_key_jwt` (an assertion it signs with a key of its registered JWKS,
 * RFC 7523 / OpenID Connect Core §9), which needs no shared secret.
 */
export type ClientAuthMethod = 'client_secret' | 'private_key_jwt';

/** A registered confidential client. A secret itself is never stored or returned again. */
export interface Client {
  readonly clientId: string;
  /** Audiences this client may request tokens for; the first is the default. Never empty. */
  readonly audiences: readonly string[];
  /** Scopes this client may request; a request without `scope` gets all of them. */
  readonly scopes: readonly string[];
  readonly authMethod: ClientAuthMethod;
  /** `private_key_jwt`: the keys its assertions are verified with (or {@link jwksUri}). */
  readonly jwks: JSONWebKeySet | null;
  /** `private_key_jwt`: where its keys are fetched from (or {@link jwks}). */
  readonly jwksUri: string | null;
  /** The public key newly issued secrets are sealed to (JWE) instead of being shown. */
  readonly encryptionJwk: JWK | null;
  /** A disabled client cannot authenticate, so gets no token. */
  readonly enabled: boolean;
  /** Registration time, epoch ms. */
  readonly createdAt: number;
  /** Last change (enabled, keys, secret rotation), epoch ms. */
  readonly updatedAt: number;
}

/** One valid secret, as shown (never its value or hash). */
export interface ClientSecretInfo {
  readonly createdAt: number;
  /** Null for the current secret; when it stops working for one a rotation replaced. */
  readonly expiresAt: number | null;
}

/** What {@link ClientRegistry.get} returns: the client and its valid secrets. */
export interface ClientDetails extends Client {
  readonly secrets: readonly ClientSecretInfo[];
}

/** What {@link ClientRegistry.register} returns: the client plus its secret, if it has one. */
export interface RegisteredClient extends Client {
  /** The new secret, to show once or seal (see {@link Client.encryptionJwk}); absent for `private_key_jwt`. */
  readonly clientSecret?: string;
}

/** A `client_secret` client: {@link ClientRegistry.register} returns its secret. */
export interface SecretClientRegistration {
  /** Default: a random UUID. Must match {@link CLIENT_ID_PATTERN}. */
  readonly clientId?: string;
  readonly audiences: readonly string[];
  readonly scopes: readonly string[];
  /** A public key to seal its secrets to ({@link encryptionJwkProblem}). */
  readonly encryptionJwk?: JWK;
  readonly jwks?: undefined;
  readonly jwksUri?: undefined;
}

/** A `private_key_jwt` client: exactly one of `jwks` and `jwksUri`. */
export interface KeyClientRegistration {
  readonly clientId?: string;
  readonly audiences: readonly string[];
  readonly scopes: readonly string[];
  readonly jwks?: JSONWebKeySet;
  readonly jwksUri?: string;
  readonly encryptionJwk?: undefined;
}

export type ClientRegistration = SecretClientRegistration | KeyClientRegistration;

/** Filters and page of {@link ClientRegistry.list}. */
export interface ClientListQuery {
  readonly enabled?: boolean;
  readonly authMethod?: ClientAuthMethod;
  /** Only clients whose id sorts after this one (the previous page's `nextAfter`). */
  readonly after?: string;
  /** 1..{@link MAX_CLIENT_LIST}. Default 50. */
  readonly limit?: number;
}

export interface ClientPage {
  /** Ordered by `client_id`. */
  readonly clients: readonly Client[];
  /** Pass as `after` for the next page; null when this page was the last. */
  readonly nextAfter: string | null;
}

/** What {@link ClientRegistry.rotateSecret} returns. */
export interface RotatedSecret {
  readonly client: Client;
  /** The new secret, to show once or seal. */
  readonly clientSecret: string;
  /** When the secrets it replaced stop working (epoch ms); `now` for no overlap. */
  readonly previousExpiresAt: number;
}

/** Confidential clients of the token endpoint. */
export interface ClientRegistry {
  /**
   * Registers a client: a `client_secret` one with a fresh random secret (returned here only),
   * or a `private_key_jwt` one with its keys. Audited (`clients.create`, and
   * `clients.secret-issued` for a secret, a sensitive read) in one transaction, as `context`.
   * @throws {ClientExistsError} when `clientId` is taken.
   * @throws {TypeError} for an invalid registration (the API validates first).
   */
  register(registration: SecretClientRegistration, context?: AuditContext): RegisteredClient & { readonly clientSecret: string };
  register(registration: ClientRegistration, context?: AuditContext): RegisteredClient;
  /**
   * Creates or updates a `client_secret` client with a secret chosen by the operator (demo
   * mode), so restarting with the same configuration is a no-op and a changed secret takes
   * effect (the others stop working at once).
   */
  ensure(registration: Required<Pick<SecretClientRegistration, 'clientId' | 'audiences' | 'scopes'>> & { readonly clientSecret: string }): Client;
  /**
   * Checks a `client_secret` client's secret in constant time against each of its valid secrets
   * (two during a rotation's overlap).
   * @throws {ClientAuthenticationError} for an unknown client, a wrong secret or a client without
   *   secrets, indistinguishably (reason `invalid`); reason `disabled` for the right secret of a
   *   disabled client.
   */
  authenticate(clientId: string, clientSecret: string): Client;
  /** The client, or undefined. */
  find(clientId: string): Client | undefined;
  /** @throws {ClientNotFoundError} */
  get(clientId: string): ClientDetails;
  list(query?: ClientListQuery): ClientPage;
  /**
   * Enables or disables a client (audited `clients.enable` / `clients.disable`; a no-op change is
   * not audited again). Disabling alone ends no token: see the lifecycle's `disable`.
   * @throws {ClientNotFoundError}
   */
  setEnabled(clientId: string, enabled: boolean, context?: AuditContext): { readonly client: Client; readonly changed: boolean };
  /**
   * Issues a new secret. Every secret valid now stays valid until `now + overlapMs` (or its own
   * earlier expiry), then only the new one works; secrets already expired are deleted. Audited
   * (`clients.rotate-secret` and `clients.secret-issued`) in one transaction.
   * @throws {ClientNotFoundError}
   * @throws {ClientAuthMethodConflictError} for a `private_key_jwt` client (it has no secret).
   */
  rotateSecret(clientId: string, overlapMs: Milliseconds, context?: AuditContext): RotatedSecret;
}

export interface ClientRegistryOptions {
  readonly store: AuthorityStore;
  readonly clock?: Clock;
  /** Where every change and every issued secret is recorded. */
  readonly audit?: AuditLog;
}

interface ClientRow {
  client_id: string;
  auth_method: ClientAuthMethod;
  audiences: string;
  scopes: string;
  jwks: string | null;
  jwks_uri: string | null;
  encryption_jwk: string | null;
  enabled: number;
  created_at: number;
  updated_at: number;
}

const COLUMNS = 'client_id, auth_method, audiences, scopes, jwks, jwks_uri, encryption_jwk, enabled, created_at, updated_at';

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function checkRegistration(r: ClientRegistration): { audiences: string[]; scopes: string[] } {
  if (r.clientId !== undefined && !CLIENT_ID_PATTERN.test(r.clientId)) {
    throw new TypeError(`client_id must match ${CLIENT_ID_PATTERN}`);
  }
  const audiences = unique(r.audiences);
  if (audiences.length === 0) throw new TypeError('a client needs at least one audience');
  for (const a of audiences) {
    if (a.length === 0 || a.length > MAX_AUDIENCE_LENGTH) {
      throw new TypeError(`audiences must be 1..${MAX_AUDIENCE_LENGTH} characters`);
    }
  }
  const scopes = unique(r.scopes);
  for (const s of scopes) {
    if (!SCOPE_TOKEN_PATTERN.test(s)) throw new TypeError(`scope ${JSON.stringify(s)} is not an RFC 6749 scope token`);
  }
  if (r.jwks !== undefined && r.jwksUri !== undefined) throw new TypeError('give jwks or jwksUri, not both');
  if (r.jwks !== undefined) {
    const problem = clientJwksProblem(r.jwks);
    if (problem) throw new TypeError(`jwks ${problem}`);
  }
  if (r.jwksUri !== undefined) {
    const problem = jwksUriProblem(r.jwksUri);
    if (problem) throw new TypeError(`jwksUri ${problem}`);
  }
  if (r.encryptionJwk !== undefined) {
    if (r.jwks !== undefined || r.jwksUri !== undefined) throw new TypeError('a private_key_jwt client has no secret to seal: leave encryptionJwk out');
    const problem = encryptionJwkProblem(r.encryptionJwk);
    if (problem) throw new TypeError(`encryptionJwk ${problem}`);
  }
  return { audiences, scopes };
}

function toClient(row: ClientRow): Client {
  return {
    clientId: row.client_id,
    audiences: JSON.parse(row.audiences) as string[],
    scopes: JSON.parse(row.scopes) as string[],
    authMethod: row.auth_method,
    jwks: row.jwks === null ? null : (JSON.parse(row.jwks) as JSONWebKeySet),
    jwksUri: row.jwks_uri,
    encryptionJwk: row.encryption_jwk === null ? null : (JSON.parse(row.encryption_jwk) as JWK),
    enabled: row.enabled === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Secrets are stored as plain SHA-256, not bcrypt/scrypt/argon2, on purpose: they are 32 random
 * bytes generated here (256 bits of entropy), so there is no dictionary to slow down and brute
 * force is out of reach whatever the hash costs. A slow hash would only add latency to every
 * token request. (Operator-chosen demo secrets are the one exception, and demo mode says so.)
 */
function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Compared against when the client is unknown, so that path costs the same as a wrong secret. */
const DUMMY_DIGEST = sha256('revmesh: no such client');

/** Creates the client registry on top of the store. */
export function createClientRegistry(options: ClientRegistryOptions): ClientRegistry {
  const { store } = options;
  const clock = options.clock ?? systemClock;
  const db = store.db;
  const selectOne = db.prepare<[string], ClientRow>(`SELECT ${COLUMNS} FROM clients WHERE client_id = ?`);
  // The casts type the "no filter" parameters: PostgreSQL cannot infer a type from `? IS NULL`.
  const selectPage = db.prepare<[{ after: string; enabled: number | null; method: string | null; limit: number }], ClientRow>(
    `SELECT ${COLUMNS} FROM clients
     WHERE client_id > @after AND (CAST(@enabled AS BIGINT) IS NULL OR enabled = @enabled) AND (CAST(@method AS TEXT) IS NULL OR auth_method = @method)
     ORDER BY client_id LIMIT @limit`,
  );
  const insert = db.prepare(
    `INSERT INTO clients (client_id, auth_method, audiences, scopes, jwks, jwks_uri, encryption_jwk, enabled, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
  );
  const upsertSeed = db.prepare(
    `INSERT INTO clients (client_id, auth_method, audiences, scopes, enabled, created_at, updated_at) VALUES (?, 'client_secret', ?, ?, 1, ?, ?)
     ON CONFLICT (client_id) DO UPDATE SET audiences = excluded.audiences, scopes = excluded.scopes, updated_at = excluded.updated_at
     WHERE clients.audiences != excluded.audiences OR clients.scopes != excluded.scopes`,
  );
  const updateEnabled = db.prepare('UPDATE clients SET enabled = ?, updated_at = ? WHERE client_id = ?');
  const touch = db.prepare('UPDATE clients SET updated_at = ? WHERE client_id = ?');
  const insertSecret = db.prepare('INSERT INTO client_secrets (client_id, secret_sha256, created_at, expires_at) VALUES (?, ?, ?, NULL)');
  const validDigests = db.prepare<[string, number], { secret_sha256: Buffer }>(
    'SELECT secret_sha256 FROM client_secrets WHERE client_id = ? AND (expires_at IS NULL OR expires_at > ?)',
  );
  const validSecrets = db.prepare<[string, number], { created_at: number; expires_at: number | null }>(
    'SELECT created_at, expires_at FROM client_secrets WHERE client_id = ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY expires_at IS NULL, expires_at, created_at',
  );
  const hasDigest = db.prepare<[string, Buffer], number>('SELECT 1 FROM client_secrets WHERE client_id = ? AND secret_sha256 = ? AND expires_at IS NULL');
  const deleteSecrets = db.prepare('DELETE FROM client_secrets WHERE client_id = ?');
  const deleteExpired = db.prepare('DELETE FROM client_secrets WHERE client_id = ? AND expires_at IS NOT NULL AND expires_at <= ?');
  const shortenSecrets = db.prepare('UPDATE client_secrets SET expires_at = ? WHERE client_id = ? AND (expires_at IS NULL OR expires_at > ?)');

  const read = <T>(what: () => T): T => {
    try {
      return what();
    } catch (error) {
      throw translateStoreError(error, 'cannot read clients');
    }
  };
  const find = (clientId: string): Client | undefined => {
    const row = read(() => selectOne.get(clientId));
    return row === undefined ? undefined : toClient(row);
  };
  const getClient = (clientId: string): Client => {
    const client = find(clientId);
    if (client === undefined) throw new ClientNotFoundError(clientId);
    return client;
  };
  const audit = (action: string, target: string, context: AuditContext, details?: Record<string, unknown>): void => {
    options.audit?.append({ action, outcome: 'succeeded', target, context, ...(details === undefined ? {} : { details }) });
  };

  function register(registration: ClientRegistration, context: AuditContext = systemAuditContext('authority')): RegisteredClient {
    const { audiences, scopes } = checkRegistration(registration);
    const clientId = registration.clientId ?? randomUUID();
    const authMethod: ClientAuthMethod = registration.jwks !== undefined || registration.jwksUri !== undefined ? 'private_key_jwt' : 'client_secret';
    const clientSecret = authMethod === 'client_secret' ? generateSecret() : undefined;
    const jwks = registration.jwks === undefined ? null : registration.jwks;
    const jwksUri = registration.jwksUri ?? null;
    const encryptionJwk = registration.encryptionJwk ?? null;
    const now = clock.now();
    store.transaction(() => {
      try {
        insert.run(
          clientId,
          authMethod,
          JSON.stringify(audiences),
          JSON.stringify(scopes),
          jwks === null ? null : JSON.stringify(jwks),
          jwksUri,
          encryptionJwk === null ? null : JSON.stringify(encryptionJwk),
          now,
          now,
        );
        if (clientSecret !== undefined) insertSecret.run(clientId, sha256(clientSecret), now);
      } catch (error) {
        if (isUniqueViolation(error)) throw new ClientExistsError(clientId);
        throw translateStoreError(error, 'cannot register the client');
      }
      audit('clients.create', clientId, context, {
        audiences,
        scopes,
        authMethod,
        ...(jwks === null ? {} : { jwksKids: jwks.keys.map((k) => k.kid ?? null) }),
        ...(jwksUri === null ? {} : { jwksUri }),
        sealed: encryptionJwk !== null,
      });
      // A secret is disclosed once, in this answer (or sealed to the client's key): a sensitive read of its own.
      if (clientSecret !== undefined) audit('clients.secret-issued', clientId, context, { delivery: encryptionJwk === null ? 'shown-once' : 'sealed' });
    });
    return {
      clientId,
      audiences,
      scopes,
      authMethod,
      jwks,
      jwksUri,
      encryptionJwk,
      enabled: true,
      createdAt: now,
      updatedAt: now,
      ...(clientSecret === undefined ? {} : { clientSecret }),
    };
  }

  return {
    register: register as ClientRegistry['register'],

    ensure(registration) {
      const { audiences, scopes } = checkRegistration(registration);
      if (registration.clientSecret.length === 0) throw new TypeError('clientSecret must not be empty');
      const existing = find(registration.clientId);
      if (existing !== undefined && existing.authMethod !== 'client_secret') {
        throw new ClientAuthMethodConflictError(registration.clientId, `client ${registration.clientId} uses private_key_jwt: it cannot be seeded with a secret`);
      }
      const now = clock.now();
      const digest = sha256(registration.clientSecret);
      try {
        store.transaction(() => {
          upsertSeed.run(registration.clientId, JSON.stringify(audiences), JSON.stringify(scopes), now, now);
          if (hasDigest.get(registration.clientId, digest) === undefined) {
            deleteSecrets.run(registration.clientId);
            insertSecret.run(registration.clientId, digest, now);
            touch.run(now, registration.clientId);
          }
        });
      } catch (error) {
        throw translateStoreError(error, 'cannot seed the client');
      }
      return getClient(registration.clientId);
    },

    authenticate(clientId, clientSecret) {
      const now = clock.now();
      const row = read(() => selectOne.get(clientId));
      const digests = row === undefined ? [] : read(() => validDigests.all(clientId, now)).map((r) => r.secret_sha256);
      // Every candidate is compared (no early exit), and at least one, so the time taken says
      // nothing about which secret matched or whether the client exists.
      let matches = false;
      for (const digest of digests.length === 0 ? [DUMMY_DIGEST] : digests) {
        if (secretMatchesDigest(clientSecret, digest)) matches = digests.length > 0;
      }
      if (row === undefined || !matches) throw new ClientAuthenticationError('invalid');
      if (row.enabled !== 1) throw new ClientAuthenticationError('disabled');
      return toClient(row);
    },

    find,

    get(clientId) {
      const client = getClient(clientId);
      const secrets = read(() => validSecrets.all(clientId, clock.now())).map((s) => ({ createdAt: s.created_at, expiresAt: s.expires_at }));
      return { ...client, secrets };
    },

    list(query = {}) {
      const limit = query.limit ?? 50;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CLIENT_LIST) throw new TypeError(`limit must be 1..${MAX_CLIENT_LIST}`);
      const enabled = query.enabled === undefined ? null : query.enabled ? 1 : 0;
      const rows = read(() => selectPage.all({ after: query.after ?? '', enabled, method: query.authMethod ?? null, limit }));
      const clients = rows.map(toClient);
      return { clients, nextAfter: clients.length === limit ? clients[clients.length - 1]!.clientId : null };
    },

    setEnabled(clientId, enabled, context = systemAuditContext('authority')) {
      const current = getClient(clientId);
      if (current.enabled === enabled) return { client: current, changed: false };
      const now = clock.now();
      store.transaction(() => {
        try {
          updateEnabled.run(enabled ? 1 : 0, now, clientId);
        } catch (error) {
          throw translateStoreError(error, 'cannot change the client');
        }
        audit(enabled ? 'clients.enable' : 'clients.disable', clientId, context);
      });
      return { client: { ...current, enabled, updatedAt: now }, changed: true };
    },

    rotateSecret(clientId, overlapMs, context = systemAuditContext('authority')) {
      if (!Number.isInteger(overlapMs) || overlapMs < 0) throw new TypeError('overlapMs must be a whole number of milliseconds, at least 0');
      const current = getClient(clientId);
      if (current.authMethod !== 'client_secret') {
        throw new ClientAuthMethodConflictError(clientId, `client ${clientId} authenticates with private_key_jwt and has no secret: publish a new key in its JWKS instead`);
      }
      const clientSecret = generateSecret();
      const now = clock.now();
      const previousExpiresAt = now + overlapMs;
      store.transaction(() => {
        try {
          deleteExpired.run(clientId, now);
          // Shortens, never lengthens: a secret already ending sooner (an earlier rotation) keeps its end.
          shortenSecrets.run(previousExpiresAt, clientId, previousExpiresAt);
          insertSecret.run(clientId, sha256(clientSecret), now);
          touch.run(now, clientId);
        } catch (error) {
          throw translateStoreError(error, 'cannot rotate the client secret');
        }
        audit('clients.rotate-secret', clientId, context, { overlapSeconds: overlapMs / 1000, previousExpiresAt: new Date(previousExpiresAt).toISOString() });
        audit('clients.secret-issued', clientId, context, { delivery: current.encryptionJwk === null ? 'shown-once' : 'sealed' });
      });
      return { client: { ...current, updatedAt: now }, clientSecret, previousExpiresAt };
    },
  };
}
