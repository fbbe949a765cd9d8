import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { topicNames } from '@revmesh/contracts';
import { CLIENT_ID_PATTERN, MAX_AUDIENCE_LENGTH } from '@revmesh/authority-core';
import { parseBrokerList } from '@revmesh/transport';
import { z } from 'zod';

/**
 * Every environment variable of the authority, in one place: its default, whether it is
 * required, what it means, and how it is validated. The config loader, its error messages and
 * the README table (`renderConfigTable`) are all derived from this object.
 */
interface Variable<T> {
  /** Applied when the variable is unset or empty. */
  readonly default?: string;
  /** Shown in the docs; absent means optional (has a default or is not needed). */
  readonly required?: 'yes' | 'when REVMESH_DEMO=true';
  readonly description: string;
  /** How to produce a valid value; appended to every error about this variable. */
  readonly fix: string;
  readonly schema: z.ZodType<T>;
}

const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Unset, empty and whitespace-only all mean "not given", so `FOO=` in a shell behaves like no FOO. */
function raw(defaultValue: string | undefined) {
  return z.preprocess((value) => {
    const trimmed = typeof value === 'string' ? value.trim() : value;
    return trimmed === undefined || trimmed === '' ? defaultValue : trimmed;
  }, z.string({ error: 'is required' }));
}

function optionalRaw() {
  return z.preprocess((value) => {
    const trimmed = typeof value === 'string' ? value.trim() : value;
    return trimmed === '' ? undefined : trimmed;
  }, z.string().optional());
}

function integer(min: number, max: number) {
  return z
    .string()
    .regex(/^\d+$/, 'is not a whole number')
    .transform(Number)
    .refine((n) => n >= min && n <= max, `is outside ${min}..${max}`);
}

function variable<T>(spec: Omit<Variable<T>, 'schema'> & { readonly parse: z.ZodType<T, string> }): Variable<T> {
  const { parse, ...doc } = spec;
  return { ...doc, schema: raw(spec.default).pipe(parse) };
}

export const CONFIG_VARIABLES = {
  PORT: variable({
    default: '8080',
    description: 'TCP port of the HTTP API. 0 picks a free port (the readiness line shows which).',
    fix: 'use a port number in 0..65535, e.g. 8080',
    parse: integer(0, 65535),
  }),
  HOST: variable({
    default: '127.0.0.1',
    description: 'Interface the HTTP API listens on. Use 0.0.0.0 to accept connections from other hosts.',
    fix: 'use an IP address or host name, e.g. 127.0.0.1',
    parse: z.string().regex(/^[A-Za-z0-9.:[\]-]+$/, 'is not an IP address or host name'),
  }),
  KAFKA_BROKERS: variable({
    required: 'yes',
    description: 'Kafka bootstrap brokers, comma-separated host:port.',
    fix: 'e.g. KAFKA_BROKERS=127.0.0.1:19092 (start a local broker with `npm run kafka:start`)',
    parse: z.string().transform((value, ctx) => {
      try {
        return parseBrokerList(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message.replace(/^KAFKA_BROKERS /, '') });
        return z.NEVER;
      }
    }),
  }),
  KAFKA_REPLICATION_FACTOR: {
    description:
      'Replicas of each topic the authority creates. Unset: 3, or the number of brokers if the cluster has fewer (1 on a single broker); `min.insync.replicas` follows (2 from 3 replicas on, else 1). Topics that exist already keep theirs.',
    fix: 'use a whole number in 1..16, at most the number of brokers, e.g. 3',
    schema: optionalRaw().pipe(integer(1, 16).optional()),
  } satisfies Variable<number | undefined>,
  REVMESH_DATA_DIR: variable({
    default: './.revmesh/authority',
    description: 'Folder of the SQLite database (created, mode 0700). Relative paths are resolved against the working directory. One authority per folder: a second one refuses to start (STORE_LOCKED, naming the holder); the lock dies with its process.',
    fix: 'use a writable folder path',
    parse: z.string().transform((dir) => resolve(dir)),
  }),
  REVMESH_DATABASE_URL: {
    description:
      'PostgreSQL instead of SQLite: `postgres://user:password@host:port/database` (libpq URI; its query parameters such as `sslmode` apply). Several authorities may share the database (writes are serialized by a database-wide advisory lock; REVMESH_DATA_DIR is then not used for the store). Needs the optional `libpq` binding (`apt-get install libpq-dev` before `npm ci`). Unset: SQLite in REVMESH_DATA_DIR.',
    fix: 'use a postgres:// or postgresql:// URL, e.g. postgres://revmesh:secret@db.internal:5432/revmesh',
    schema: optionalRaw().pipe(
      z
        .string()
        .refine((url) => /^postgres(ql)?:\/\/[^\s]+$/.test(url) && URL.canParse(url), 'is not a postgres:// URL')
        .optional(),
    ),
  } satisfies Variable<string | undefined>,
  REVMESH_DATABASE_STATEMENT_TIMEOUT_MS: variable({
    default: '30000',
    description:
      'PostgreSQL: longest one statement may run, waiting for the write lock included, ms; the server cancels it after that and the request fails (STORE_FAILED) instead of hanging.',
    fix: 'use a whole number of milliseconds in 100..600000',
    parse: integer(100, 600_000),
  }),
  REVMESH_DATABASE_CONNECT_TIMEOUT_MS: variable({
    default: '10000',
    description: 'PostgreSQL: longest connecting may take at start, ms (whole seconds: libpq rounds up); an unreachable server stops the start with a message naming it.',
    fix: 'use a whole number of milliseconds in 1000..120000',
    parse: integer(1000, 120_000),
  }),
  REVMESH_ISSUER: variable({
    required: 'yes',
    description:
      'Issuer URL: the `iss` of every token and the base of the discovery URLs, so it must be the URL verifiers reach the authority at.',
    fix: 'use the URL verifiers reach the authority at, e.g. http://127.0.0.1:8080',
    parse: z.string().refine((value) => {
      try {
        const url = new URL(value);
        return (url.protocol === 'https:' || url.protocol === 'http:') && url.search === '' && url.hash === '';
      } catch {
        return false;
      }
    }, 'is not an http(s) URL without query or fragment'),
  }),
  REVMESH_BOOTSTRAP_TOKEN: {
    description:
      'Enables `POST /v1/bootstrap` (creates the initial security-admins: the first with a password, then enrolment codes up to the policy\'s operators.bootstrapAdmins) for callers presenting it as a Bearer token. Unset: bootstrap is disabled. Compared in constant time; unset it once the initial admins enrolled.',
    fix: 'use at least 32 characters, e.g. REVMESH_BOOTSTRAP_TOKEN=$(openssl rand -base64 32)',
    schema: optionalRaw().pipe(z.string().min(32, 'is shorter than 32 characters').optional()),
  } satisfies Variable<string | undefined>,
  REVMESH_KEK: variable({
    required: 'yes',
    description:
      'Key-encryption key: base64 of exactly 32 random bytes. Wraps the data keys that encrypt signing keys at rest. Losing it makes the stored keys unusable; changing it makes start-up fail.',
    fix: 'generate one with: openssl rand -base64 32',
    parse: z.string().transform((value, ctx) => {
      // Standard base64 (as `openssl rand -base64 32` prints it) or unpadded base64url.
      const encoding = /^[A-Za-z0-9+/]+={0,2}$/.test(value) ? 'base64' : /^[A-Za-z0-9_-]+$/.test(value) ? 'base64url' : undefined;
      if (encoding === undefined) {
        ctx.addIssue({ code: 'custom', message: 'is not base64' });
        return z.NEVER;
      }
      const bytes = Buffer.from(value, encoding);
      if (bytes.length !== 32) {
        ctx.addIssue({ code: 'custom', message: `decodes to ${bytes.length} bytes, not 32` });
        return z.NEVER;
      }
      return bytes;
    }),
  }),
  REVMESH_TOPIC_PREFIX: variable({
    default: 'revmesh.',
    description: 'Prefix of every Kafka topic (the revocations topic is `<prefix>revocations.v1`).',
    fix: "use letters, digits, '.', '_' and '-' only",
    parse: z.string().refine((prefix) => {
      try {
        topicNames(prefix);
        return true;
      } catch {
        return false;
      }
    }, "may only contain letters, digits, '.', '_' and '-'"),
  }),
  REVMESH_ACCESS_TOKEN_TTL_SECONDS: variable({
    default: '300',
    description: 'Lifetime of access tokens, seconds. Also how long revocation rules must live.',
    fix: 'use a whole number of seconds in 1..86400',
    parse: integer(1, 86_400),
  }),
  REVMESH_DEMO: variable({
    default: 'false',
    description:
      'Demo mode: seeds (or updates) the demo client at start, with scope `demo` and REVMESH_DEMO_AUDIENCE as its audience.',
    fix: 'use true or false',
    parse: z.enum(['true', 'false'], { error: 'must be true or false' }).transform((v) => v === 'true'),
  }),
  REVMESH_DEMO_CLIENT_ID: variable({
    default: 'demo-client',
    description: 'client_id of the demo client.',
    fix: "use 1..128 of letters, digits, '.', '_', '~', '-'",
    parse: z.string().regex(CLIENT_ID_PATTERN, 'is not a valid client_id'),
  }),
  REVMESH_DEMO_CLIENT_SECRET: {
    required: 'when REVMESH_DEMO=true',
    description:
      'Secret of the demo client. Chosen by the operator, so unlike generated secrets it may be guessable: demo only.',
    fix: 'use at least 16 characters, e.g. $(openssl rand -base64 24)',
    schema: optionalRaw().pipe(z.string().min(16, 'is shorter than 16 characters').optional()),
  } satisfies Variable<string | undefined>,
  REVMESH_DEMO_AUDIENCE: variable({
    default: 'demo-api',
    description: 'The demo client’s only audience (the `aud` of its tokens).',
    fix: `use 1..${MAX_AUDIENCE_LENGTH} characters`,
    parse: z.string().max(MAX_AUDIENCE_LENGTH, `is longer than ${MAX_AUDIENCE_LENGTH} characters`),
  }),
  REVMESH_OUTBOX_POLL_MS: variable({
    default: '500',
    description:
      'How often the outbox relay looks for unpublished events when not woken, ms. New revocations wake it at once; this only bounds recovery of rows left by a crash.',
    fix: 'use a whole number of milliseconds in 10..60000',
    parse: integer(10, 60_000),
  }),
  REVMESH_SSF_POLL_INTERVAL_MS: variable({
    default: '1000',
    description:
      'SSF receiver: pause after an empty poll of a transmitter registered with poll delivery (RFC 8936), ms. A poll that returned SETs is followed by the next at once (carrying their acknowledgements).',
    fix: 'use a whole number of milliseconds in 100..600000',
    parse: integer(100, 600_000),
  }),
  REVMESH_AUTHORITY_HEARTBEAT_MS: variable({
    default: '5000',
    description:
      "Interval of the authority's signed `authority.heartbeat` on the keys and revocations topics, ms. Sidecars count staleness per topic from its last event or heartbeat; keep it at most a quarter of their staleness bound.",
    fix: 'use a whole number of milliseconds in 100..600000, e.g. 5000',
    parse: integer(100, 600_000),
  }),
  REVMESH_SNAPSHOT_INTERVAL_MS: variable({
    default: '600000',
    description:
      'How often the authority publishes a signed snapshot of the live deny state on the snapshot topic, ms (skipped while the revocations topic has not moved); starting sidecars load the newest one and replay only the tail. 0: only on demand (`POST /v1/snapshots`, `revmesh snapshots publish`) and after a topic recovery.',
    fix: 'use 0 or a whole number of milliseconds in 1000..86400000, e.g. 600000',
    parse: integer(0, 86_400_000).refine((n) => n === 0 || n >= 1000, 'must be 0 or at least 1000'),
  }),
  REVMESH_TOPIC_CHECK_MS: variable({
    default: '5000',
    description:
      'How often the authority checks that the revocations and keys topics are on the broker and never went backwards, ms. A topic deleted, recreated or truncated is recreated and its live state republished (alert `topic_lost`).',
    fix: 'use a whole number of milliseconds in 100..600000',
    parse: integer(100, 600_000),
  }),
  REVMESH_LEASE_TTL_MS: variable({
    default: '3000',
    description:
      'Replicas on one PostgreSQL database: TTL of the leader lease, ms. The leader (the one replica running the outbox relay, the key scheduler and the other singletons) renews it every REVMESH_LEASE_RENEW_MS; a follower takes over once it saw the lease unrenewed for this long, and the old leader stops a third of it earlier. Failover after a crash takes about TTL + one renewal interval (+ the relay\'s start). SQLite: the one authority is the leader at once.',
    fix: 'use a whole number of milliseconds in 100..600000, at least 2 renewal intervals above two thirds of it, e.g. 3000',
    parse: integer(100, 600_000),
  }),
  REVMESH_LEASE_RENEW_MS: variable({
    default: '500',
    description:
      'Replicas: how often the leader renews its lease and each follower looks at it, ms (one small write, or read, per interval).',
    fix: 'use a whole number of milliseconds in 10..60000, at most a third of REVMESH_LEASE_TTL_MS, e.g. 500',
    parse: integer(10, 60_000),
  }),
  REVMESH_RELAY_TRANSACTIONS: variable({
    default: 'auto',
    description:
      "Whether the leader publishes each batch as one Kafka transaction under a transactional id shared by all replicas (`revmesh-authority-relay-<prefix>`), so the broker refuses a stale leader's writes (PRODUCER_FENCED) once a new leader published. `auto`: on when the store is PostgreSQL (replicas), off on SQLite (one writer: nothing to fence). Costs relay throughput and a few ms per publish (README, Several authority replicas); consumers must read committed (the sidecar does). Needs the broker's transaction state log (a single broker: `transaction.state.log.replication.factor=1`).",
    fix: 'use auto, on or off',
    parse: z.enum(['auto', 'on', 'off'], { error: 'must be auto, on or off' }),
  }),
  REVMESH_SSF_ALLOW_INSECURE_PUSH: variable({
    default: 'false',
    description:
      'SSF transmitter: accept `http:` push URLs of receivers and loopback or private addresses (default: `https:` to public addresses only). INSECURE outside tests and local demos: SETs and the receiver’s authorization header travel in the clear, and receivers can make the authority POST into its own network.',
    fix: 'use true or false',
    parse: z.enum(['true', 'false'], { error: 'must be true or false' }).transform((v) => v === 'true'),
  }),
  REVMESH_DPOP_PROOF_MAX_AGE_SECONDS: variable({
    default: '60',
    description: 'Token endpoint: oldest DPoP proof (RFC 9449) accepted, seconds after its `iat` (plus 5 s of clock tolerance); also how long a proof `jti` is remembered against replay.',
    fix: 'use a whole number of seconds in 1..3600',
    parse: integer(1, 3600),
  }),
  REVMESH_DPOP_NONCE_SECRET: {
    description:
      'Token endpoint: when set, every DPoP proof must carry a server nonce (RFC 9449 §8): a proof without a current one gets `400 use_dpop_nonce` and a `DPoP-Nonce` header. Nonces are an HMAC of a 5-minute period under this secret (base64url, at least 16 bytes): give every replica the same. Unset: no nonce required.',
    fix: 'use at least 16 random bytes in base64url, e.g. REVMESH_DPOP_NONCE_SECRET=$(openssl rand -base64 32 | tr "+/" "-_" | tr -d =)',
    schema: optionalRaw().pipe(
      z
        .string()
        .regex(/^[A-Za-z0-9_-]{22,}$/, 'is not base64url of at least 16 bytes')
        .transform((value) => Buffer.from(value, 'base64url'))
        .optional(),
    ),
  } satisfies Variable<Buffer | undefined>,
  REVMESH_SSF_PUSH_BACKOFF_MAX_MS: variable({
    default: '300000',
    description:
      'SSF transmitter: longest wait between two pushes of a SET a receiver did not accept, ms. Retries start at 1 s and double up to this; SETs wait in the store meanwhile.',
    fix: 'use a whole number of milliseconds in 1000..3600000',
    parse: integer(1000, 3_600_000),
  }),
  REVMESH_COMMS_RETRY_INITIAL_MS: variable({
    default: '1000',
    description:
      'Incident communications: wait before the first retry of a webhook delivery that failed (no answer, 408, 429 or 5xx), ms; each further retry waits twice as long (with jitter), up to REVMESH_COMMS_RETRY_MAX_MS. Messages wait in the store meanwhile.',
    fix: 'use a whole number of milliseconds in 100..60000',
    parse: integer(100, 60_000),
  }),
  REVMESH_COMMS_RETRY_MAX_MS: variable({
    default: '300000',
    description: 'Incident communications: longest wait between two attempts of a webhook delivery, ms.',
    fix: 'use a whole number of milliseconds in 100..3600000, at least REVMESH_COMMS_RETRY_INITIAL_MS',
    parse: integer(100, 3_600_000),
  }),
  REVMESH_COMMS_MAX_ATTEMPTS: variable({
    default: '12',
    description: 'Incident communications: attempts of a webhook delivery before it is given up (failed, audited); a 4xx other than 408 and 429 gives up at once.',
    fix: 'use a whole number in 1..100',
    parse: integer(1, 100),
  }),
  REVMESH_ANOMALY_DEDUP_WINDOW_MS: variable({
    default: '900000',
    description: 'Anomaly alerts: one alert per incident (`dedup_key`) per this window, ms; repeats update its count and last_seen.',
    fix: 'use a whole number of milliseconds in 1000..86400000',
    parse: integer(1000, 86_400_000),
  }),
  REVMESH_ANOMALY_REVOKED_USE_MIN: variable({
    default: '1',
    description: 'Blocked presentations of one revoked token (or token of a revoked key) before `revoked_token_use` is raised.',
    fix: 'use a whole number in 1..1000000',
    parse: integer(1, 1_000_000),
  }),
  REVMESH_ANOMALY_JTI_WINDOW_MS: variable({
    default: '300000',
    description: 'Window in which the instances and addresses presenting one revoked `jti` are counted for `jti_spread`, ms.',
    fix: 'use a whole number of milliseconds in 1000..86400000',
    parse: integer(1000, 86_400_000),
  }),
  REVMESH_ANOMALY_JTI_INSTANCES: variable({
    default: '3',
    description: 'Distinct sidecar instances presenting one `jti` within the window that raise `jti_spread`.',
    fix: 'use a whole number in 1..10000',
    parse: integer(1, 10_000),
  }),
  REVMESH_ANOMALY_JTI_ADDRESSES: variable({
    default: '5',
    description: 'Distinct client addresses presenting one `jti` within the window that raise `jti_spread`.',
    fix: 'use a whole number in 1..10000',
    parse: integer(1, 10_000),
  }),
  REVMESH_ANOMALY_AUTH_FAILURE_FACTOR: variable({
    default: '10',
    description: "`auth_failure_spike`: an instance's auth failures per minute at least this many times its recent baseline (and at least REVMESH_ANOMALY_AUTH_FAILURE_MIN_PER_MINUTE).",
    fix: 'use a whole number in 1..10000',
    parse: integer(1, 10_000),
  }),
  REVMESH_ANOMALY_AUTH_FAILURE_MIN_PER_MINUTE: variable({
    default: '30',
    description: '`auth_failure_spike`: floor of auth failures per minute, so a near-zero baseline does not alert on a handful.',
    fix: 'use a whole number in 1..10000000',
    parse: integer(1, 10_000_000),
  }),
  REVMESH_ANOMALY_MASS_INVALIDATION_FACTOR: variable({
    default: '10',
    description: '`mass_invalidation`: revocations in the last minute at least this many times the mean per minute of the previous hour (and at least REVMESH_ANOMALY_MASS_INVALIDATION_MIN_PER_MINUTE).',
    fix: 'use a whole number in 1..10000',
    parse: integer(1, 10_000),
  }),
  REVMESH_ANOMALY_MASS_INVALIDATION_MIN_PER_MINUTE: variable({
    default: '50',
    description: '`mass_invalidation`: floor of revocations in the last minute.',
    fix: 'use a whole number in 1..10000000',
    parse: integer(1, 10_000_000),
  }),
  REVMESH_KEY_ROTATION_PERIOD_SECONDS: variable({
    default: '604800',
    description:
      'Age of the active token-signing key (since it became active) at which the scheduler rotates it to the pre-published standby, seconds. Default 7 days; short values (seconds) are fine for tests.',
    fix: 'use a whole number of seconds in 2..31536000, larger than REVMESH_KEY_PREPUBLISH_LEAD_SECONDS',
    parse: integer(2, 31_536_000),
  }),
  REVMESH_KEY_PREPUBLISH_LEAD_SECONDS: variable({
    default: '3600',
    description:
      'Minimum time a standby key has been published (verifying everywhere, signing nothing) before a scheduled rotation may promote it, seconds. Must be shorter than the rotation period.',
    fix: 'use a whole number of seconds in 0..31536000, smaller than REVMESH_KEY_ROTATION_PERIOD_SECONDS',
    parse: integer(0, 31_536_000),
  }),
  REVMESH_PROMOTION_GATE_TIMEOUT_MS: variable({
    default: '10000',
    description:
      'Longest wait, before a key (or event signer) starts signing, for every live sidecar to confirm it holds it; after that the rotation proceeds and lists the instances that never confirmed. Emergency compromise never waits.',
    fix: 'use a whole number of milliseconds in 0..600000, shorter than the rotation period',
    parse: integer(0, 600_000),
  }),
  REVMESH_ROTATION_CHECK_INTERVAL_MS: variable({
    default: '1000',
    description: 'Tick of the key scheduler (due rotations, retirements, signer withdrawals), ms.',
    fix: 'use a whole number of milliseconds in 50..60000',
    parse: integer(50, 60_000),
  }),
  REVMESH_EVENT_SIGNER_OVERLAP_SECONDS: variable({
    default: '3600',
    description:
      'After an event-signer rotation, how long the previous event signer stays trusted before its withdrawal is published, seconds.',
    fix: 'use a whole number of seconds in 1..2592000',
    parse: integer(1, 2_592_000),
  }),
  REVMESH_EVENT_SIGNER_RESET: variable({
    default: 'false',
    description:
      'DANGER, recovery only: at start, mark every event signer compromised and start a new chain with a fresh one (see README "If the event-signing key leaks"). Every start with it set resets again: remove it once the authority is up.',
    fix: 'use true or false',
    parse: z.enum(['true', 'false'], { error: 'must be true or false' }).transform((v) => v === 'true'),
  }),
  REVMESH_POLICY_FILE: {
    description:
      'Security policy file, YAML (`.yaml`, `.yml`) or JSON (`.json`): token lifetimes per audience, rotation cadence, approval rules, justification length, retention, owners (see deploy/policy.example.yaml). Message templates may be Markdown files beside it (comms.templates.<audience>: { file: comms/customers.md }, relative to it, see deploy/policy-repo), inlined into the stored version. Validated at start: an invalid file stops the authority with a message naming the file and the field. A file (or a template file it names) whose content changed since it was last applied becomes a new policy version; later changes go through PUT /v1/policy. Unset: the stored policy (the defaults on a new data folder).',
    fix: 'use the path of a readable .yaml, .yml or .json policy file',
    schema: optionalRaw().pipe(
      z
        .string()
        .regex(/\.(ya?ml|json)$/i, 'must end in .yaml, .yml or .json')
        .transform((path) => resolve(path))
        .optional(),
    ),
  } satisfies Variable<string | undefined>,
  REVMESH_HTTP_REQUEST_TIMEOUT_MS: variable({
    default: '10000',
    description:
      'Longest time to receive a whole request, headers and body, ms. A client that sends its body slowly, or less body than its Content-Length declares, gets 408 and its connection closed instead of holding it open.',
    fix: 'use a whole number of milliseconds in 1000..600000',
    parse: integer(1000, 600_000),
  }),
  REVMESH_HTTP_HEADERS_TIMEOUT_MS: variable({
    default: '5000',
    description: 'Longest time to receive the request headers, ms (at most REVMESH_HTTP_REQUEST_TIMEOUT_MS).',
    fix: 'use a whole number of milliseconds in 1000..600000',
    parse: integer(1000, 600_000),
  }),
  REVMESH_HTTP_KEEP_ALIVE_TIMEOUT_MS: variable({
    default: '5000',
    description: 'How long an idle keep-alive connection stays open between requests, ms.',
    fix: 'use a whole number of milliseconds in 100..600000',
    parse: integer(100, 600_000),
  }),
  REVMESH_HTTP_MAX_CONNECTIONS: variable({
    default: '4096',
    description: 'Most connections open at once; further ones are refused at accept, so slow clients cannot exhaust file handles.',
    fix: 'use a whole number in 16..1000000',
    parse: integer(16, 1_000_000),
  }),
  REVMESH_OUTBOX_RETENTION_SECONDS: variable({
    default: '86400',
    description:
      'How long a published outbox row that nothing else needs (a re-signed copy of a live revocation, an alert) is kept after the broker acknowledged it, seconds, with the sidecar acks of its event. A revocation keeps the row that announced it; key events keep theirs; signed audit copies follow the audit retention (policy audit.retentionDays).',
    fix: 'use a whole number of seconds in 60..315360000, e.g. 86400 (a day)',
    parse: integer(60, 315_360_000),
  }),
  REVMESH_EXPIRED_REVOCATION_RETENTION_SECONDS: variable({
    default: '604800',
    description:
      'How long an expired revocation (every token it could match has expired) is kept after its expiry, seconds; then it is deleted with its announcing outbox row and acks, GET /v1/revocations/:id answers 404, and the audit log keeps its revocations.create entry.',
    fix: 'use a whole number of seconds in 60..315360000, e.g. 604800 (a week)',
    parse: integer(60, 315_360_000),
  }),
  REVMESH_GONE_INSTANCE_RETENTION_SECONDS: variable({
    default: '604800',
    description: 'How long a sidecar instance not heard from is kept, seconds; then it is deleted with its acks.',
    fix: 'use a whole number of seconds in 60..315360000, e.g. 604800 (a week)',
    parse: integer(60, 315_360_000),
  }),
  REVMESH_STORE_RETENTION_INTERVAL_MS: variable({
    default: '600000',
    description: 'How often the store retention job runs, ms (it deletes in batches of 1000 rows, yielding between them).',
    fix: 'use a whole number of milliseconds in 1000..86400000',
    parse: integer(1000, 86_400_000),
  }),
  REVMESH_TRUSTED_PROXIES: {
    description:
      'Reverse proxies in front of the authority, comma-separated IP addresses or CIDR ranges. Requests from them take the client address from X-Forwarded-For (login throttling per address, audit source address). Unset: the socket address, and X-Forwarded-For is ignored (behind a proxy every operator would then share one address).',
    fix: 'use comma-separated IPv4/IPv6 addresses or CIDR ranges, e.g. 10.0.0.0/8,127.0.0.1',
    schema: optionalRaw().pipe(
      z
        .string()
        .transform((value) => value.split(',').map((part) => part.trim()).filter((part) => part !== ''))
        .refine((parts) => parts.every((part) => isIpOrCidr(part)), 'contains an entry that is not an IP address or CIDR range')
        .optional(),
    ),
  } satisfies Variable<readonly string[] | undefined>,
  REVMESH_LOG_LEVEL: variable({
    default: 'info',
    description: 'Least severe log level written: error, warn, info or debug.',
    fix: `use one of ${LOG_LEVELS.join(', ')}`,
    parse: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }),
  }),
} as const;

/** An IPv4/IPv6 address, optionally with a /prefix of the right size. */
function isIpOrCidr(value: string): boolean {
  const [address = '', prefix, extra] = value.split('/');
  if (extra !== undefined) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

export type ConfigVariableName = keyof typeof CONFIG_VARIABLES;
