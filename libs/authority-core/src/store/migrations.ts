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
  {
    version: 2,
    name: 'key lifecycle, event signers, key-set version, key events, rotations, admin actions',
    sql: `
      -- The single-key model (status 'active' only) becomes the lifecycle of keys/key-transitions.ts.
      -- SQLite cannot alter a CHECK constraint, so the table is rebuilt; the one existing key
      -- stays active and counts as activated when it was created.
      CREATE TABLE signing_keys_v2 (
        kid               TEXT PRIMARY KEY,
        alg               TEXT NOT NULL,
        state             TEXT NOT NULL CHECK (state IN ('pending', 'active', 'retiring', 'retired', 'revoked')),
        public_jwk        TEXT NOT NULL,
        sealed_key        TEXT NOT NULL,
        created_at        INTEGER NOT NULL,
        state_changed_at  INTEGER NOT NULL,
        -- Last time it became active (a rollback re-activates): its age for the rotation period.
        activated_at      INTEGER,
        -- When it stopped signing: the newest token it signed was issued at or before this.
        deactivated_at    INTEGER,
        -- When the longest-lived token it signed has expired (+ skew); set while retiring.
        retire_after      INTEGER
      ) STRICT;
      INSERT INTO signing_keys_v2 (kid, alg, state, public_jwk, sealed_key, created_at, state_changed_at, activated_at)
        SELECT kid, alg, status, public_jwk, sealed_key, created_at, created_at, created_at FROM signing_keys;
      DROP TABLE signing_keys;
      ALTER TABLE signing_keys_v2 RENAME TO signing_keys;
      -- "Exactly one active key and one standby" is enforced by the database, not only by code.
      CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (state) WHERE state = 'active';
      CREATE UNIQUE INDEX signing_keys_one_pending ON signing_keys (state) WHERE state = 'pending';

      -- Ed25519 keys that sign events (never tokens), sealed like token keys.
      CREATE TABLE event_signers (
        kid               TEXT PRIMARY KEY,
        state             TEXT NOT NULL CHECK (state IN ('announced', 'active', 'overlap', 'withdrawn', 'compromised')),
        public_jwk        TEXT NOT NULL,
        sealed_key        TEXT NOT NULL,
        created_at        INTEGER NOT NULL,
        state_changed_at  INTEGER NOT NULL,
        activated_at      INTEGER,
        withdraw_after    INTEGER,
        -- When every live key state and revocation had been re-signed by this signer (a new
        -- signer must re-sign the compacted topics before its predecessor is withdrawn).
        republished_at    INTEGER
      ) STRICT;
      CREATE UNIQUE INDEX event_signers_one_active ON event_signers (state) WHERE state = 'active';
      CREATE UNIQUE INDEX event_signers_one_announced ON event_signers (state) WHERE state = 'announced';

      -- One counter for every key and signer event (contracts: key_set_version).
      CREATE TABLE key_set (
        id       INTEGER PRIMARY KEY CHECK (id = 1),
        version  INTEGER NOT NULL
      ) STRICT;
      INSERT INTO key_set (id, version) VALUES (1, 0);

      -- Every key/signer event published, by version; its published_at is the outbox row's.
      CREATE TABLE key_events (
        event_id         TEXT PRIMARY KEY,
        key_set_version  INTEGER NOT NULL UNIQUE,
        subject          TEXT NOT NULL CHECK (subject IN ('key', 'event-signer')),
        kid              TEXT NOT NULL,
        state            TEXT NOT NULL,
        signer_kid       TEXT NOT NULL,
        rotation_id      TEXT,
        created_at       INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX key_events_by_kid ON key_events (kid, key_set_version);
      CREATE INDEX key_events_by_rotation ON key_events (rotation_id) WHERE rotation_id IS NOT NULL;

      CREATE TABLE rotations (
        id                     TEXT PRIMARY KEY,
        kind                   TEXT NOT NULL CHECK (kind IN ('scheduled', 'emergency', 'manual', 'rollback')),
        status                 TEXT NOT NULL CHECK (status IN ('in_progress', 'completed', 'aborted', 'rolled_back')),
        from_kid               TEXT,
        to_kid                 TEXT,
        new_standby_kid        TEXT,
        actor_kind             TEXT NOT NULL,
        actor_id               TEXT NOT NULL,
        reason                 TEXT NOT NULL,
        requested_at           INTEGER NOT NULL,
        gate_started_at        INTEGER,
        gate_completed_at      INTEGER,
        gate_outcome           TEXT CHECK (gate_outcome IN ('confirmed', 'timed_out', 'skipped')),
        unconfirmed_instances  TEXT NOT NULL DEFAULT '[]',
        promoted_at            INTEGER,
        from_key_state         TEXT,
        from_key_changed_at    INTEGER,
        standby_created_at     INTEGER,
        completed_at           INTEGER,
        aborted_reason         TEXT,
        rollback_of            TEXT REFERENCES rotations (id),
        rolled_back_by         TEXT REFERENCES rotations (id),
        rolled_back_at         INTEGER
      ) STRICT;
      CREATE INDEX rotations_by_time ON rotations (requested_at);
      CREATE INDEX rotations_in_progress ON rotations (status) WHERE status = 'in_progress';

      -- Who did what, why and when. The hash-chained audit log proper comes later.
      CREATE TABLE admin_actions (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        action      TEXT NOT NULL,
        target      TEXT,
        actor_kind  TEXT NOT NULL,
        actor_id    TEXT NOT NULL,
        reason      TEXT NOT NULL,
        at          INTEGER NOT NULL,
        details     TEXT NOT NULL DEFAULT '{}'
      ) STRICT;
    `,
  },
  {
    version: 3,
    name: 'sidecar instances and acknowledgements',
    sql: `
      CREATE TABLE sidecar_instances (
        instance_id            TEXT PRIMARY KEY,
        started_at             INTEGER NOT NULL,
        -- min(sent_at, received_at) of the newest heartbeat: an old heartbeat replayed from the
        -- topic never makes a gone instance look live.
        last_heartbeat_at      INTEGER NOT NULL,
        last_sent_at           INTEGER NOT NULL,
        ready                  INTEGER NOT NULL CHECK (ready IN (0, 1)),
        key_set_version        INTEGER NOT NULL,
        audiences              TEXT NOT NULL,
        heartbeat_interval_ms  INTEGER NOT NULL,
        first_seen_at          INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE sidecar_acks (
        instance_id      TEXT NOT NULL,
        event_id         TEXT NOT NULL,
        event_type       TEXT NOT NULL,
        applied_at       INTEGER NOT NULL,
        key_set_version  INTEGER NOT NULL,
        received_at      INTEGER NOT NULL,
        PRIMARY KEY (instance_id, event_id)
      ) STRICT;
      CREATE INDEX sidecar_acks_by_event ON sidecar_acks (event_id);
    `,
  },
  {
    version: 4,
    name: 'operators, operator sessions, login throttling',
    // Slot owned by A (operators) while issue 4 is built; filled before it ships.
    sql: `
    `,
  },
  {
    version: 5,
    name: 'hash-chained audit log and checkpoints',
    // Slot owned by B (audit) while issue 4 is built; filled before it ships.
    sql: `
    `,
  },
  {
    version: 6,
    name: 'kill switches',
    // Slot owned by C (kill switch) while issue 4 is built; filled before it ships.
    sql: `
    `,
  },
  {
    version: 7,
    name: 'security policy versions and two-person approvals',
    // Slot owned by D/F (policy, approvals) while issue 4 is built; filled before it ships.
    sql: `
    `,
  },
];
