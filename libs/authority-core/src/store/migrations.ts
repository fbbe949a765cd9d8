/**
 * The authority's schema, as an ordered list of migrations. Append only: a released
 * migration is never edited, because databases in the field already ran it.
 */
export interface Migration {
  /** Strictly increasing, starting at 1. */
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema: signing keys, clients, revocations, outbox',
    sql: `
      -- Private keys are stored only as an AES-256-GCM envelope (see keys/envelope.ts).
      CREATE TABLE signing_keys (
        kid          TEXT PRIMARY KEY,
        alg          TEXT NOT NULL,
        status       TEXT NOT NULL CHECK (status IN ('active')),
        public_jwk   TEXT NOT NULL,
        sealed_key   TEXT NOT NULL,
        created_at   INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE clients (
        client_id      TEXT PRIMARY KEY,
        secret_sha256  BLOB NOT NULL,
        audiences      TEXT NOT NULL,
        scopes         TEXT NOT NULL,
        created_at     INTEGER NOT NULL,
        updated_at     INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE revocations (
        id             TEXT PRIMARY KEY,
        target_type    TEXT NOT NULL CHECK (target_type IN ('jti', 'sub', 'client_id', 'sid')),
        target_value   TEXT NOT NULL,
        reason         TEXT NOT NULL,
        actor_kind     TEXT NOT NULL,
        actor_id       TEXT NOT NULL,
        revoked_at     INTEGER NOT NULL,
        not_after_iat  INTEGER NOT NULL,
        expires_at     INTEGER NOT NULL
      ) STRICT;
      -- Token issuance asks "latest rule for this sub/client_id" on every token.
      CREATE INDEX revocations_by_target ON revocations (target_type, target_value, not_after_iat);

      -- Transactional outbox: written in the same transaction as the revocation, published
      -- in seq order by the relay, marked only after the broker acknowledged.
      CREATE TABLE outbox (
        seq            INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id       TEXT NOT NULL UNIQUE,
        revocation_id  TEXT REFERENCES revocations (id),
        topic          TEXT NOT NULL,
        record_key     TEXT NOT NULL,
        value          BLOB NOT NULL,
        headers        TEXT NOT NULL,
        created_at     INTEGER NOT NULL,
        published_at   INTEGER
      ) STRICT;
      CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL;
      CREATE INDEX outbox_by_revocation ON outbox (revocation_id);
    `,
  },
];
