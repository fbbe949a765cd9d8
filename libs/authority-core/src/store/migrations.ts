/**
 * The authority's schema, as an ordered list of migrations. Append only: a released
 * migration is never edited, because databases in the field already ran it.
 *
 * Every migration added here needs its PostgreSQL twin (same version and name) appended to
 * POSTGRES_MIGRATIONS in postgres-migrations.ts, in the same commit: the step test
 * (postgres-migrations.int.spec.ts) fails while the two schemas differ in version, tables,
 * columns or index names.
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
    sql: `
      -- Operator accounts. The password is only an argon2id PHC string; the TOTP secret only a
      -- KEK envelope (keys/envelope.ts, context 'operator-totp:<id>').
      CREATE TABLE operators (
        id                  TEXT PRIMARY KEY,
        username            TEXT NOT NULL COLLATE NOCASE UNIQUE,
        role                TEXT NOT NULL CHECK (role IN ('viewer', 'responder', 'security-admin')),
        password_hash       TEXT NOT NULL,
        sealed_totp_secret  TEXT NOT NULL,
        -- Last TOTP time step accepted: a code is never accepted twice (replay protection).
        totp_last_step      INTEGER,
        disabled_at         INTEGER,
        created_at          INTEGER NOT NULL,
        created_by          TEXT NOT NULL
      ) STRICT;

      -- One row per login; operator tokens carry its sid. Logout and disabling end it.
      CREATE TABLE operator_sessions (
        sid             TEXT PRIMARY KEY,
        operator_id     TEXT NOT NULL REFERENCES operators (id),
        created_at      INTEGER NOT NULL,
        expires_at      INTEGER NOT NULL,
        ended_at        INTEGER,
        source_address  TEXT
      ) STRICT;
      CREATE INDEX operator_sessions_open ON operator_sessions (operator_id) WHERE ended_at IS NULL;

      -- Failed logins per subject: 'user:<lowercased username>' (whether or not it exists) or
      -- 'addr:<source address>'.
      CREATE TABLE login_throttle (
        subject          TEXT PRIMARY KEY,
        failures         INTEGER NOT NULL,
        last_failure_at  INTEGER NOT NULL,
        locked_until     INTEGER
      ) STRICT;
    `,
  },
  {
    version: 5,
    name: 'hash-chained audit log and checkpoints',
    sql: `
      -- Append-only, hash-chained (contracts: audit/audit-entry.ts). Rows are only ever inserted,
      -- marked shipped, or purged from the oldest end behind a signed checkpoint.
      CREATE TABLE audit_log (
        seq             INTEGER PRIMARY KEY AUTOINCREMENT,
        at              INTEGER NOT NULL,
        action          TEXT NOT NULL,
        outcome         TEXT NOT NULL CHECK (outcome IN ('succeeded', 'denied', 'failed', 'requested')),
        actor_kind      TEXT NOT NULL,
        actor_id        TEXT NOT NULL,
        role            TEXT,
        target          TEXT,
        justification   TEXT,
        request_id      TEXT,
        source_address  TEXT,
        details         TEXT NOT NULL DEFAULT '{}',
        prev_hash       TEXT NOT NULL,
        hash            TEXT NOT NULL,
        -- When the signed audit.recorded copy entered the outbox (null: not yet).
        shipped_at      INTEGER
      ) STRICT;
      CREATE INDEX audit_log_unshipped ON audit_log (seq) WHERE shipped_at IS NULL;
      CREATE INDEX audit_log_by_time ON audit_log (at);

      -- One row per retention purge: entries up to up_to_seq were deleted, the last one hashed
      -- to last_hash; signature is a compact JWS by the event signer over the other fields.
      CREATE TABLE audit_checkpoints (
        up_to_seq   INTEGER PRIMARY KEY,
        last_hash   TEXT NOT NULL,
        at          INTEGER NOT NULL,
        count       INTEGER NOT NULL,
        signature   TEXT NOT NULL,
        signer_kid  TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 6,
    name: 'kill switches',
    sql: `
      -- One row per scope ('global' or 'aud:<audience>'): its current state. History is in the
      -- audit log and in key_events (each change is a kill-switch.changed event on the keys topic).
      CREATE TABLE kill_switches (
        scope                TEXT PRIMARY KEY,
        audience             TEXT,
        -- Tokens of the scope issued at or before this time (ms) are rejected...
        issued_at_or_before  INTEGER NOT NULL,
        -- ...i.e. every iat (seconds) <= this; the token issuer never stamps such an iat again.
        not_after_iat        INTEGER NOT NULL,
        lockdown             INTEGER NOT NULL CHECK (lockdown IN (0, 1)),
        engaged_at           INTEGER NOT NULL,
        engaged_by_kind      TEXT NOT NULL,
        engaged_by_id        TEXT NOT NULL,
        lifted_at            INTEGER,
        lifted_by_kind       TEXT,
        lifted_by_id         TEXT,
        CHECK ((scope = 'global' AND audience IS NULL) OR (scope = 'aud:' || audience))
      ) STRICT;

      -- Kill-switch events share key_set_version with key events: key_events gains a subject.
      -- SQLite cannot alter a CHECK constraint, so the table is rebuilt (nothing references it).
      CREATE TABLE key_events_v2 (
        event_id         TEXT PRIMARY KEY,
        key_set_version  INTEGER NOT NULL UNIQUE,
        subject          TEXT NOT NULL CHECK (subject IN ('key', 'event-signer', 'kill-switch')),
        kid              TEXT NOT NULL,
        state            TEXT NOT NULL,
        signer_kid       TEXT NOT NULL,
        rotation_id      TEXT,
        created_at       INTEGER NOT NULL
      ) STRICT;
      INSERT INTO key_events_v2 SELECT event_id, key_set_version, subject, kid, state, signer_kid, rotation_id, created_at FROM key_events;
      DROP TABLE key_events;
      ALTER TABLE key_events_v2 RENAME TO key_events;
      CREATE INDEX key_events_by_kid ON key_events (kid, key_set_version);
      CREATE INDEX key_events_by_rotation ON key_events (rotation_id) WHERE rotation_id IS NOT NULL;
    `,
  },
  {
    version: 7,
    name: 'security policy versions and two-person approvals',
    sql: `
      -- Every version of the security policy (F). The newest row is the policy in force;
      -- rows are never updated or deleted, so the changelog is the table itself.
      CREATE TABLE policy_versions (
        version        INTEGER PRIMARY KEY,
        document       TEXT NOT NULL,
        source         TEXT NOT NULL CHECK (source IN ('default', 'file', 'api')),
        -- Hex SHA-256 of the policy file's bytes (source 'file'): the same file is applied once.
        file_sha256    TEXT CHECK ((source = 'file') = (file_sha256 IS NOT NULL)),
        actor_kind     TEXT NOT NULL,
        actor_id       TEXT NOT NULL,
        justification  TEXT,
        created_at     INTEGER NOT NULL
      ) STRICT;

      -- Two-person rule: an action the policy puts behind a second security-admin waits here.
      -- 'executing' is held while the approved action runs: the pending -> executing step is
      -- the transaction that makes two concurrent approvals run it once.
      CREATE TABLE approvals (
        id                        TEXT PRIMARY KEY,
        action                    TEXT NOT NULL,
        target                    TEXT,
        params                    TEXT NOT NULL,
        state                     TEXT NOT NULL
                                  CHECK (state IN ('pending', 'executing', 'executed', 'denied', 'expired', 'failed')),
        requested_by_kind         TEXT NOT NULL,
        requested_by_id           TEXT NOT NULL,
        requested_by_role         TEXT,
        requested_justification   TEXT,
        requested_request_id      TEXT,
        requested_source_address  TEXT,
        requested_at              INTEGER NOT NULL,
        expires_at                INTEGER NOT NULL,
        decided_by_kind           TEXT,
        decided_by_id             TEXT,
        decided_by_role           TEXT,
        decided_at                INTEGER,
        decision_justification    TEXT,
        result                    TEXT,
        error                     TEXT
      ) STRICT;
      CREATE INDEX approvals_by_time ON approvals (requested_at);
      CREATE INDEX approvals_pending ON approvals (expires_at) WHERE state = 'pending';
    `,
  },
  {
    version: 8,
    name: 'operator enrolment codes and sponsorships (two-person rule for privilege changes)',
    sql: `
      -- NULL: the operator has not set their own password and TOTP yet (new, or second factor
      -- reset); such an operator cannot log in. Operators that existed before are enrolled.
      ALTER TABLE operators ADD COLUMN enrolled_at INTEGER;
      UPDATE operators SET enrolled_at = created_at;

      -- One-time enrolment codes: only their SHA-256 is stored. 'sealed_totp_secret' holds the
      -- TOTP secret offered when the enrolment started (KEK envelope, context
      -- 'operator-enrolment-totp:<id>') until it is confirmed with a code.
      CREATE TABLE operator_enrolments (
        id                  TEXT PRIMARY KEY,
        operator_id         TEXT NOT NULL REFERENCES operators (id),
        code_sha256         TEXT NOT NULL UNIQUE,
        issued_by           TEXT NOT NULL,
        issued_at           INTEGER NOT NULL,
        expires_at          INTEGER NOT NULL,
        sealed_totp_secret  TEXT,
        used_at             INTEGER,
        revoked_at          INTEGER
      ) STRICT;
      CREATE INDEX operator_enrolments_open ON operator_enrolments (operator_id) WHERE used_at IS NULL AND revoked_at IS NULL;

      -- Who created, raised, re-enabled or handed an enrolment code to which operator, and when:
      -- the approver of a request may not have been sponsored by its requester recently.
      CREATE TABLE operator_sponsorships (
        operator_id  TEXT NOT NULL REFERENCES operators (id),
        sponsor      TEXT NOT NULL COLLATE NOCASE,
        kind         TEXT NOT NULL CHECK (kind IN ('created', 'raised', 'enabled', 'enrolment')),
        at           INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX operator_sponsorships_by_operator ON operator_sponsorships (operator_id, at);
    `,
  },
  {
    version: 9,
    name: 'trusted external issuers, and the issuer a revocation targets',
    sql: `
      -- OpenID providers whose tokens sidecars verify and whose subjects, clients and sessions
      -- operators may revoke. Disabled issuers stay listed (their past revocations name them).
      CREATE TABLE trusted_issuers (
        issuer       TEXT PRIMARY KEY,
        description  TEXT NOT NULL,
        enabled      INTEGER NOT NULL CHECK (enabled IN (0, 1)),
        created_by   TEXT NOT NULL,
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL
      ) STRICT;

      -- NULL: the authority's own issuer (every revocation before this migration).
      ALTER TABLE revocations ADD COLUMN iss TEXT;
      -- Token issuance asks "latest rule for this sub/client_id" of its own issuer only.
      CREATE INDEX revocations_own_by_target ON revocations (target_type, target_value, not_after_iat) WHERE iss IS NULL;
    `,
  },
  {
    version: 10,
    name: 'token horizon: the latest expiry of any token issued',
    sql: `
      -- One row: no token the authority ever issued expires after expires_at (epoch ms). A rule
      -- lives at least until then, so lowering the token lifetime never lets a revoked token live
      -- longer than its rule. Tokens issued before this table existed lived at most the lifetime
      -- in force then, which revocations of that time already used.
      CREATE TABLE token_horizon (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        expires_at  INTEGER NOT NULL
      );
    `,
  },
  {
    version: 11,
    name: 'store retention: indexes of what the retention job prunes',
    sql: `
      -- Published outbox rows no revocation, key event or audit entry keeps (republished copies,
      -- alerts), oldest publication first.
      CREATE INDEX outbox_published_unowned ON outbox (published_at)
        WHERE published_at IS NOT NULL AND revocation_id IS NULL AND record_key NOT LIKE 'audit:%';
      -- Signed copies of audit entries by the entry's seq (record key 'audit:<seq>'): pruned with
      -- the entries the audit retention purges.
      CREATE INDEX outbox_audit_copies ON outbox (CAST(substr(record_key, 7) AS INTEGER)) WHERE record_key LIKE 'audit:%';
      -- Revocations whose rules can no longer match anything, oldest expiry first.
      CREATE INDEX revocations_by_expiry ON revocations (expires_at);
    `,
  },  {
    version: 12,
    name: 'topic watermarks: what the broker held of each topic the authority publishes to',
    sql: `
      -- Per topic, the highest offset per partition the authority has seen on the broker (JSON
      -- {"<partition>": "<high>"}). Offsets never go back on a living topic: lower ones mean it was
      -- deleted and recreated, or the broker lost its data, and the live state must be republished.
      CREATE TABLE topic_watermarks (
        topic       TEXT PRIMARY KEY,
        partitions  TEXT NOT NULL,
        checked_at  INTEGER NOT NULL
      );
    `,
  },
  {
    version: 13,
    name: 'ssf receiver: transmitters, their streams and the SETs received',
    sql: `
      -- Shared Signals transmitters (OpenID providers) revmesh receives CAEP/RISC events from, and
      -- the one stream revmesh manages on each. The receiver credentials are sealed with the KEK;
      -- the push authorization header revmesh gave the transmitter is kept as a SHA-256 hash only.
      CREATE TABLE ssf_transmitters (
        id                    TEXT PRIMARY KEY,
        config_url            TEXT NOT NULL,
        issuer                TEXT NOT NULL,
        metadata              TEXT NOT NULL,
        client_id             TEXT NOT NULL,
        client_secret_sealed  TEXT NOT NULL,
        token_endpoint        TEXT NOT NULL,
        delivery              TEXT NOT NULL CHECK (delivery IN ('push', 'poll')),
        stream_id             TEXT,
        stream                TEXT,
        push_auth_hash        TEXT,
        status                TEXT NOT NULL,
        verified_at           INTEGER,
        created_by            TEXT NOT NULL,
        created_at            INTEGER NOT NULL,
        updated_at            INTEGER NOT NULL
      ) STRICT;

      -- Every SET accepted from a transmitter, by jti: a replay is acknowledged and applied once.
      CREATE TABLE ssf_received_sets (
        transmitter_id  TEXT NOT NULL,
        jti             TEXT NOT NULL,
        event_types     TEXT NOT NULL,
        outcome         TEXT NOT NULL,
        received_at     INTEGER NOT NULL,
        PRIMARY KEY (transmitter_id, jti)
      ) STRICT;
      CREATE INDEX ssf_received_sets_by_time ON ssf_received_sets (received_at);
    `,
  },
  {
    version: 14,
    name: 'ssf transmitter: SET signing key, streams, durable SET delivery queue',
    sql: `
      -- The key that signs Security Event Tokens sent to SSF receivers: separate from the token
      -- and event-signing keys (a receiver's trust in it says nothing about our tokens or sidecar
      -- events). The private part is sealed with the KEK like every other key.
      CREATE TABLE ssf_set_keys (
        kid         TEXT PRIMARY KEY,
        public_jwk  TEXT NOT NULL,
        sealed_key  TEXT NOT NULL,
        created_at  INTEGER NOT NULL
      ) STRICT;

      -- Streams of registered SSF receivers (OAuth clients). config: the stream's JSON
      -- (aud, delivery, events_requested, description); status as SSF 1.0 names it.
      CREATE TABLE ssf_out_streams (
        stream_id      TEXT PRIMARY KEY,
        client_id      TEXT NOT NULL,
        config         TEXT NOT NULL,
        status         TEXT NOT NULL CHECK (status IN ('enabled', 'paused', 'disabled')),
        status_reason  TEXT,
        created_at     INTEGER NOT NULL,
        updated_at     INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX ssf_out_streams_by_client ON ssf_out_streams (client_id);

      -- Signed SETs waiting for a receiver: pushed (retried with backoff until next_attempt_at)
      -- or polled (until acknowledged). Deleted with their stream.
      CREATE TABLE ssf_out_deliveries (
        seq              INTEGER PRIMARY KEY AUTOINCREMENT,
        stream_id        TEXT NOT NULL REFERENCES ssf_out_streams (stream_id) ON DELETE CASCADE,
        jti              TEXT NOT NULL,
        set_jwt          TEXT NOT NULL,
        created_at       INTEGER NOT NULL,
        attempts         INTEGER NOT NULL DEFAULT 0,
        next_attempt_at  INTEGER NOT NULL,
        last_error       TEXT,
        state            TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
        done_at          INTEGER,
        UNIQUE (stream_id, jti)
      ) STRICT;
      CREATE INDEX ssf_out_deliveries_due ON ssf_out_deliveries (next_attempt_at) WHERE state = 'pending';
      CREATE INDEX ssf_out_deliveries_pending_by_stream ON ssf_out_deliveries (stream_id, seq) WHERE state = 'pending';
      CREATE INDEX ssf_out_deliveries_done ON ssf_out_deliveries (done_at) WHERE state <> 'pending';

      -- One row: the outbox seq up to which revocations have been turned into SETs.
      CREATE TABLE ssf_out_cursor (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        outbox_seq  INTEGER NOT NULL
      );
    `,
  },
  {
    version: 15,
    name: 'sessions: token-exchange sessions and their rotating refresh-token families',
    sql: `
      -- One row per session started by a token exchange (RFC 8693): its sid is in every access
      -- token of the session, and its refresh tokens form one family. sub is the access tokens'
      -- sub (issuer-scoped for an external subject, see sessions/subject.ts); subject_iss and
      -- subject are the subject token's own iss and sub. act: the JSON act claim, if a service
      -- acts for the user. jkt: a key the family is bound to (DPoP), if any.
      -- expires_at is the absolute end; last_used_at drives the idle end. ended_at is set once
      -- (revoked, reuse detected, subject/client revoked) and never cleared.
      CREATE TABLE sessions (
        sid           TEXT PRIMARY KEY,
        client_id     TEXT NOT NULL,
        sub           TEXT NOT NULL,
        subject_iss   TEXT NOT NULL,
        subject       TEXT NOT NULL,
        act           TEXT,
        audience      TEXT NOT NULL,
        scope         TEXT NOT NULL,
        jkt           TEXT,
        created_at    INTEGER NOT NULL,
        last_used_at  INTEGER NOT NULL,
        expires_at    INTEGER NOT NULL,
        ended_at      INTEGER,
        end_reason    TEXT
      ) STRICT;
      CREATE INDEX sessions_by_sub ON sessions (sub);
      CREATE INDEX sessions_by_client ON sessions (client_id);
      CREATE INDEX sessions_by_subject ON sessions (subject_iss, subject);
      CREATE INDEX sessions_by_expiry ON sessions (expires_at);

      -- Refresh tokens, stored only as SHA-256 of the opaque value (256 random bits). used_at: when
      -- it was rotated (first use); a use after the grace window is reuse and ends the family.
      CREATE TABLE refresh_tokens (
        token_sha256   BLOB PRIMARY KEY,
        sid            TEXT NOT NULL REFERENCES sessions (sid) ON DELETE CASCADE,
        parent_sha256  BLOB,
        issued_at      INTEGER NOT NULL,
        used_at        INTEGER,
        revoked_at     INTEGER
      ) STRICT;
      CREATE INDEX refresh_tokens_by_sid ON refresh_tokens (sid);
    `,
  },
  {
    version: 16,
    name: 'client lifecycle: auth method, JWKS, sealing key, enabled flag, rotating secrets, assertion jti',
    sql: `
      -- A client authenticates with a secret (client_secret_basic / client_secret_post) or with an
      -- assertion it signs (private_key_jwt, RFC 7523) against its registered jwks or jwks_uri. It
      -- can be disabled. Its secrets move to client_secrets, since a rotation leaves the old one
      -- valid for an overlap beside the new one. encryption_jwk: the public key (JWK) a newly
      -- issued secret is sealed to (JWE), when the client registered one.
      ALTER TABLE clients RENAME TO clients_v1;
      CREATE TABLE clients (
        client_id       TEXT PRIMARY KEY,
        auth_method     TEXT NOT NULL CHECK (auth_method IN ('client_secret', 'private_key_jwt')),
        audiences       TEXT NOT NULL,
        scopes          TEXT NOT NULL,
        jwks            TEXT,
        jwks_uri        TEXT,
        encryption_jwk  TEXT,
        enabled         INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
        created_at      INTEGER NOT NULL,
        updated_at      INTEGER NOT NULL,
        CHECK ((auth_method = 'private_key_jwt') = (jwks IS NOT NULL OR jwks_uri IS NOT NULL))
      ) STRICT;
      INSERT INTO clients (client_id, auth_method, audiences, scopes, created_at, updated_at)
        SELECT client_id, 'client_secret', audiences, scopes, created_at, updated_at FROM clients_v1;

      -- SHA-256 of each valid secret. expires_at NULL: the current secret; set by a rotation on
      -- the ones it replaces (valid until then, for the overlap). Expired rows are deleted by the
      -- next rotation of the client.
      CREATE TABLE client_secrets (
        client_id      TEXT NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
        secret_sha256  BLOB NOT NULL,
        created_at     INTEGER NOT NULL,
        expires_at     INTEGER,
        PRIMARY KEY (client_id, secret_sha256)
      ) STRICT;
      INSERT INTO client_secrets (client_id, secret_sha256, created_at, expires_at)
        SELECT client_id, secret_sha256, updated_at, NULL FROM clients_v1;
      DROP TABLE clients_v1;

      -- jti of every private_key_jwt assertion accepted, kept until the assertion's exp (bounded
      -- by the authority), so a replay is refused for as long as the assertion could be used,
      -- across restarts. Expired rows are deleted as new assertions arrive.
      CREATE TABLE client_assertion_jtis (
        client_id   TEXT NOT NULL,
        jti         TEXT NOT NULL,
        expires_at  INTEGER NOT NULL,
        PRIMARY KEY (client_id, jti)
      ) STRICT;
      CREATE INDEX client_assertion_jtis_by_expiry ON client_assertion_jtis (expires_at);
    `,
  },
  {
    version: 17,
    name: 'dpop: jkt revocation target, and clients that must bind their tokens to a key',
    sql: `
      -- A revocation may target jkt (RFC 9449): every token bound to a client key. SQLite cannot
      -- alter a CHECK constraint, so the table is rebuilt. outbox references it: the links are
      -- set aside and restored, since dropping a parent table is an implicit DELETE of its rows.
      PRAGMA defer_foreign_keys = ON;
      CREATE TEMP TABLE dpop_outbox_links AS SELECT seq, revocation_id FROM outbox WHERE revocation_id IS NOT NULL;
      UPDATE outbox SET revocation_id = NULL WHERE revocation_id IS NOT NULL;
      CREATE TABLE revocations_v16 (
        id             TEXT PRIMARY KEY,
        target_type    TEXT NOT NULL CHECK (target_type IN ('jti', 'sub', 'client_id', 'sid', 'jkt')),
        target_value   TEXT NOT NULL,
        reason         TEXT NOT NULL,
        actor_kind     TEXT NOT NULL,
        actor_id       TEXT NOT NULL,
        revoked_at     INTEGER NOT NULL,
        not_after_iat  INTEGER NOT NULL,
        expires_at     INTEGER NOT NULL,
        iss            TEXT
      ) STRICT;
      INSERT INTO revocations_v16 (id, target_type, target_value, reason, actor_kind, actor_id, revoked_at, not_after_iat, expires_at, iss)
        SELECT id, target_type, target_value, reason, actor_kind, actor_id, revoked_at, not_after_iat, expires_at, iss FROM revocations;
      DROP TABLE revocations;
      ALTER TABLE revocations_v16 RENAME TO revocations;
      CREATE INDEX revocations_by_target ON revocations (target_type, target_value, not_after_iat);
      CREATE INDEX revocations_own_by_target ON revocations (target_type, target_value, not_after_iat) WHERE iss IS NULL;
      CREATE INDEX revocations_by_expiry ON revocations (expires_at);
      UPDATE outbox SET revocation_id = l.revocation_id FROM temp.dpop_outbox_links l WHERE l.seq = outbox.seq;
      DROP TABLE temp.dpop_outbox_links;

      -- RFC 9449 §5.2 dpop_bound_access_tokens: the token endpoint refuses this client's requests
      -- without a DPoP proof, so none of its tokens is a bearer token.
      ALTER TABLE clients ADD COLUMN dpop_bound_access_tokens INTEGER NOT NULL DEFAULT 0 CHECK (dpop_bound_access_tokens IN (0, 1));
    `,
  },
  {
    version: 18,
    name: 'sessions: index of ended sessions, for the store retention',
    sql: `
      -- The retention job deletes sessions (with their refresh tokens) a retention after they
      -- ended or reached their absolute end; ended ones are found by this index.
      CREATE INDEX sessions_by_end ON sessions (ended_at) WHERE ended_at IS NOT NULL;
    `,
  },
  {
    version: 19,
    name: 'incidents: incident records and the actions linked to them',
    sql: `
      -- An incident (or a drill, kind 'drill'): who owns it, how severe, where it stands.
      -- status moves open -> contained -> resolved only (incidents/incident-status.ts).
      CREATE TABLE incidents (
        id          TEXT PRIMARY KEY,
        title       TEXT NOT NULL,
        severity    TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
        owner       TEXT NOT NULL,
        kind        TEXT NOT NULL CHECK (kind IN ('incident', 'drill')),
        status      TEXT NOT NULL CHECK (status IN ('open', 'contained', 'resolved')),
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX incidents_by_created ON incidents (created_at);

      -- Actions made for an incident, by kind and id. No foreign key to the actions: the store
      -- retention deletes expired revocations, and the incident keeps naming them.
      CREATE TABLE incident_links (
        incident_id  TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
        action_kind  TEXT NOT NULL CHECK (action_kind IN ('revocation', 'revocation-batch', 'key-compromise', 'rotation', 'kill-switch', 'approval')),
        action_id    TEXT NOT NULL,
        linked_at    INTEGER NOT NULL,
        PRIMARY KEY (incident_id, action_kind, action_id)
      ) STRICT;
      CREATE INDEX incident_links_by_action ON incident_links (action_kind, action_id);
    `,
  },
  {
    version: 20,
    name: 'revocations: one target index with the issuer instead of two',
    sql: `
      -- Every lookup by target names the issuer (iss IS NULL: the authority's own tokens, or
      -- iss = ?), so one index with iss after the target serves them all, each as an index-only
      -- MAX or a range: one B-tree fewer to update per revocation (bulk revocations pay it per row).
      DROP INDEX revocations_own_by_target;
      DROP INDEX revocations_by_target;
      CREATE INDEX revocations_by_target ON revocations (target_type, target_value, iss, not_after_iat);
    `,
  },
  {
    version: 21,
    name: 'leader_lease: the lease that elects the one replica running the singletons',
    sql: `
      -- One row per lease (name 'authority'). holder: the replica holding it (NULL: released by its
      -- last holder on a clean stop, so another may take it at once). epoch: bumped by every
      -- takeover, never lowered; what the leader publishes and marks is conditioned on it.
      -- renewals: bumped by every renewal, so a follower sees the lease is alive without comparing
      -- clocks (it takes over once the row stayed unchanged for a full TTL on its own monotonic
      -- clock). renewed_at / expires_at: the holder's wall clock, for display only.
      CREATE TABLE leader_lease (
        name        TEXT PRIMARY KEY,
        holder      TEXT,
        epoch       INTEGER NOT NULL CHECK (epoch >= 1),
        renewals    INTEGER NOT NULL DEFAULT 0,
        renewed_at  INTEGER NOT NULL,
        expires_at  INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 22,
    name: 'comms_messages: incident messages sent to their audiences, and their webhook deliveries (durable outbox)',
    sql: `
      -- One message per send, with the exact text sent (rendered from the policy's template for
      -- its audience); a customers message is written only once a second operator approved it
      -- (approval_id, approved_by). Kept with the incident.
      CREATE TABLE comms_messages (
        id            TEXT PRIMARY KEY,
        incident_id   TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
        audience      TEXT NOT NULL CHECK (audience IN ('engineers', 'security', 'customers')),
        text          TEXT NOT NULL,
        text_sha256   TEXT NOT NULL,
        sent_by       TEXT NOT NULL,
        approved_by   TEXT,
        created_at    INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX comms_messages_by_incident ON comms_messages (incident_id, created_at);

      -- The outbox of webhook deliveries: one row per message and configured webhook (by its
      -- policy name), written with the message in one transaction, sent by the comms dispatcher
      -- with capped exponential backoff until delivered or failed for good.
      CREATE TABLE comms_deliveries (
        seq              INTEGER PRIMARY KEY AUTOINCREMENT,
        message_id       TEXT NOT NULL REFERENCES comms_messages (id) ON DELETE CASCADE,
        webhook          TEXT NOT NULL,
        state            TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
        attempts         INTEGER NOT NULL DEFAULT 0,
        next_attempt_at  INTEGER NOT NULL,
        last_status      INTEGER,
        last_error       TEXT,
        finished_at      INTEGER,
        UNIQUE (message_id, webhook)
      ) STRICT;
      CREATE INDEX comms_deliveries_due ON comms_deliveries (next_attempt_at) WHERE state = 'pending';
    `,
  },
  {
    version: 23,
    name: 'incident_follow_ups: follow-ups operators add to an incident for its review',
    sql: `
      -- What is left to do after an incident, added by operators for the post-incident report
      -- (open or done; done records who and when). Kept after the incident is resolved: a review
      -- happens afterwards. owner is free text (a person or a team), null when nobody owns it yet.
      CREATE TABLE incident_follow_ups (
        id           TEXT PRIMARY KEY,
        incident_id  TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
        text         TEXT NOT NULL,
        owner        TEXT,
        status       TEXT NOT NULL CHECK (status IN ('open', 'done')),
        created_at   INTEGER NOT NULL,
        created_by   TEXT NOT NULL,
        done_at      INTEGER,
        done_by      TEXT
      ) STRICT;
      CREATE INDEX incident_follow_ups_by_incident ON incident_follow_ups (incident_id, created_at);
    `,
  },
  {
    version: 24,
    name: 'sidecar_acks: requests a sidecar accepted with a revoked credential after its revocation',
    sql: `
      -- What the sidecar reported with a revocation's ack: how many requests it had accepted,
      -- after the revocation was accepted (revoked_at) and before it applied it, with a token the
      -- revocation denies. NULL: not reported (an older sidecar, or an ack of another event type).
      ALTER TABLE sidecar_acks ADD COLUMN accepted_after_revocation INTEGER;
    `,
  },
  {
    version: 25,
    name: 'sidecar_instances: staleness as the heartbeat reports it (stale, default policy, fail-open acceptances)',
    sql: `
      -- The heartbeat's optional staleness (NULL: not reported, an older sidecar): whether the
      -- instance was past its staleness bound, its default stale policy, and how many tokens its
      -- fail-open routes accepted while stale since it started. The drill reports fail-open
      -- instances from these.
      ALTER TABLE sidecar_instances ADD COLUMN stale INTEGER CHECK (stale IN (0, 1));
      ALTER TABLE sidecar_instances ADD COLUMN stale_policy TEXT CHECK (stale_policy IN ('fail-closed', 'fail-open-UNSAFE'));
      ALTER TABLE sidecar_instances ADD COLUMN fail_open_accepted INTEGER;
    `,
  },
];
