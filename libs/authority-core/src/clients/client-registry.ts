import { randomBytes, randomUUID } from 'node:crypto';
import { systemAuditContext, type AuditContext } from '../audit/audit-context';
import type { AuditLog } from '../audit/audit-log';
import { ClientAuthenticationError, ClientExistsError } from '../errors/errors';
import { secretMatchesDigest, sha256 } from '../crypto/constant-time';
import { isUniqueViolation, translateStoreError, type AuthorityStore } from '../store/store';
import { systemClock, type Clock } from '../time/clock';

/** Allowed `client_id`s: URL- and header-safe, so they can sit in Basic auth and in topic keys. */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9._~-]{1,128}$/;
/** One scope token (RFC 6749 §3.3: printable ASCII except space, `"` and `\`). */
export const SCOPE_TOKEN_PATTERN = /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/;
/** Longest audience value accepted. */
export const MAX_AUDIENCE_LENGTH = 256;

/** A registered confidential client. The secret itself is never stored or returned again. */
export interface Client {
  readonly clientId: string;
  /** Audiences this client may request tokens for; the first is the default. Never empty. */
  readonly audiences: readonly string[];
  /** Scopes this client may request; a request without `scope` gets all of them. */
  readonly scopes: readonly string[];
  /** Registration time, epoch ms. */
  readonly createdAt: number;
}

/** What {@link ClientRegistry.register} returns: the client plus its secret, shown this once. */
export interface RegisteredClient extends Client {
  readonly clientSecret: string;
}

export interface ClientRegistration {
  /** Default: a random UUID. Must match {@link CLIENT_ID_PATTERN}. */
  readonly clientId?: string;
  readonly audiences: readonly string[];
  readonly scopes: readonly string[];
}

/** Confidential clients of the token endpoint. */
export interface ClientRegistry {
  /**
   * Registers a client with a fresh random secret. The registration and the issue of its secret
   * (a sensitive read) are audited in the same transaction, as `context`'s actor.
   * @throws {ClientExistsError} when `clientId` is taken.
   */
  register(registration: ClientRegistration, context?: AuditContext): RegisteredClient;
  /**
   * Creates or updates a client with a secret chosen by the operator (demo mode), so restarting
   * with the same configuration is a no-op and a changed secret takes effect.
   */
  ensure(registration: Required<ClientRegistration> & { readonly clientSecret: string }): Client;
  /**
   * Checks a client's credentials in constant time.
   * @throws {ClientAuthenticationError} for an unknown client or a wrong secret, indistinguishably.
   */
  authenticate(clientId: string, clientSecret: string): Client;
  /** The client, or undefined. */
  find(clientId: string): Client | undefined;
}

export interface ClientRegistryOptions {
  readonly store: AuthorityStore;
  readonly clock?: Clock;
  /** Where `clients.create` and `clients.secret-issued` are recorded. */
  readonly audit?: AuditLog;
}

interface ClientRow {
  client_id: string;
  secret_sha256: Buffer;
  audiences: string;
  scopes: string;
  created_at: number;
}

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
  return { audiences, scopes };
}

function toClient(row: ClientRow): Client {
  return {
    clientId: row.client_id,
    audiences: JSON.parse(row.audiences) as string[],
    scopes: JSON.parse(row.scopes) as string[],
    createdAt: row.created_at,
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
  const selectOne = db.prepare<[string], ClientRow>(
    'SELECT client_id, secret_sha256, audiences, scopes, created_at FROM clients WHERE client_id = ?',
  );
  const insert = db.prepare(
    'INSERT INTO clients (client_id, secret_sha256, audiences, scopes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const upsert = db.prepare(
    `INSERT INTO clients (client_id, secret_sha256, audiences, scopes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (client_id) DO UPDATE SET
       secret_sha256 = excluded.secret_sha256, audiences = excluded.audiences, scopes = excluded.scopes,
       updated_at = excluded.updated_at
     WHERE clients.secret_sha256 != excluded.secret_sha256 OR clients.audiences != excluded.audiences
        OR clients.scopes != excluded.scopes`,
  );

  const find = (clientId: string): Client | undefined => {
    try {
      const row = selectOne.get(clientId);
      return row === undefined ? undefined : toClient(row);
    } catch (error) {
      throw translateStoreError(error, 'cannot read clients');
    }
  };

  return {
    register(registration, context = systemAuditContext('authority')) {
      const { audiences, scopes } = checkRegistration(registration);
      const clientId = registration.clientId ?? randomUUID();
      const clientSecret = generateSecret();
      const now = clock.now();
      store.transaction(() => {
        try {
          insert.run(clientId, sha256(clientSecret), JSON.stringify(audiences), JSON.stringify(scopes), now, now);
        } catch (error) {
          if (isUniqueViolation(error)) throw new ClientExistsError(clientId);
          throw translateStoreError(error, 'cannot register the client');
        }
        options.audit?.append({ action: 'clients.create', outcome: 'succeeded', target: clientId, context, details: { audiences, scopes } });
        // The secret is shown once, in this answer: that disclosure is a sensitive read of its own.
        options.audit?.append({ action: 'clients.secret-issued', outcome: 'succeeded', target: clientId, context });
      });
      return { clientId, clientSecret, audiences, scopes, createdAt: now };
    },

    ensure(registration) {
      const { audiences, scopes } = checkRegistration(registration);
      if (registration.clientSecret.length === 0) throw new TypeError('clientSecret must not be empty');
      const now = clock.now();
      try {
        upsert.run(
          registration.clientId,
          sha256(registration.clientSecret),
          JSON.stringify(audiences),
          JSON.stringify(scopes),
          now,
          now,
        );
      } catch (error) {
        throw translateStoreError(error, 'cannot seed the client');
      }
      const client = find(registration.clientId);
      if (client === undefined) throw new TypeError('the seeded client vanished');
      return client;
    },

    authenticate(clientId, clientSecret) {
      let row: ClientRow | undefined;
      try {
        row = selectOne.get(clientId);
      } catch (error) {
        throw translateStoreError(error, 'cannot read clients');
      }
      const matches = secretMatchesDigest(clientSecret, row?.secret_sha256 ?? DUMMY_DIGEST);
      if (row === undefined || !matches) throw new ClientAuthenticationError();
      return toClient(row);
    },

    find,
  };
}
