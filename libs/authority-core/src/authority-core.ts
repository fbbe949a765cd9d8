import type { EventSignerJwk, TopicSpec } from '@revmesh/contracts';
import type { EventTransport, RecordPublisher } from '@revmesh/transport';
import type { MeterProvider } from '@opentelemetry/api';
import type { AdminActionLog } from './admin/admin-actions';
import type { AnomalyDetector, AnomalyThresholds } from './anomalies/anomaly-detector';
import { authorityAudit, type AuthorityAudit } from './audit/authority-audit';
import type { ApprovalService } from './approvals/approval-service';
import type { ClientAuthentication } from './clients/client-authentication';
import type { ClientLifecycle } from './clients/client-lifecycle';
import type { ClientRegistry } from './clients/client-registry';
import type { IssuerRegistry } from './issuers/issuer-registry';
import { openAuditPart } from './composition/audit-part';
import { authorityTopics, topicKinds } from './composition/authority-topics';
import { resolveCoreSettings } from './composition/core-settings';
import { openGovernancePart } from './composition/governance-part';
import { openIncidentsPart, type IncidentsPart } from './composition/incidents-part';
import { openCommsPart, type CommsOptions } from './composition/comms-part';
import type { CommsService } from './comms/comms-service';
import { openIssuingPart } from './composition/issuing-part';
import { openKeyEventsPart } from './composition/key-events-part';
import { openKeyMaterialPart } from './composition/key-material-part';
import { openMonitoringPart } from './composition/monitoring-part';
import { openRetentionPart } from './composition/retention-part';
import { openRotationPart } from './composition/rotation-part';
import { openSsfReceiverPart } from './composition/ssf-receiver-part';
import type { SsfReceiver } from './ssf/receiver/ssf-receiver';
import { topicGuardFactory, type TopicGuardWiring } from './composition/topic-guard-part';
import { createSnapshotPublisher, type SnapshotPublisher, type SnapshotPublisherOptions } from './snapshots/snapshot-publisher';
import type { TopicGuard } from './topics/topic-guard';
import { RevocationNotFoundError } from './errors/errors';
import type { StoredEventSigner } from './event-signers/signer-store';
import type { EventSignerRotation } from './event-signers/signer-rotation';
import type { KeyEventLog, KeyEventRecord } from './events/key-event-log';
import type { KillSwitchService } from './kill-switch/kill-switch';
import type { StoredSigningKey } from './keys/key-store';
import type { SigningKeys } from './keys/signing-keys';
import { createAuthorityHeartbeat, type AuthorityHeartbeat } from './heartbeat/authority-heartbeat';
import { openSsfTransmitterPart } from './composition/ssf-transmitter-part';
import type { SsfTransmitter, SsfTransmitterSettings } from './ssf/transmitter/ssf-transmitter';
import type { AuthorityLogger } from './logging/logger';
import { createOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from './outbox/outbox-relay';
import { createOutboxStore, type OutboxStore } from './outbox/outbox-store';
import { createWakeSignal } from './outbox/wake-signal';
import type { OperatorService } from './operators/operator-service';
import type { PasswordHashCost } from './operators/password-hasher';
import { createPolicyStore, type PolicyStore } from './policy/policy-store';
import type { EventCoverage, InstanceDirectory } from './reports/instance-directory';
import type { SidecarReportSink } from './reports/report-sink';
import type { AuthorityMetrics } from './telemetry/authority-metrics';
import type { StoreRetention, StoreRetentionResult } from './retention/store-retention';
import type { StoreRetentionPeriods } from './retention/retention-periods';
import type { RevocationService } from './revocations/revocation-service';
import { keyCalendar, type KeyCalendar } from './rotation/key-calendar';
import { effectiveRotationPolicy, type RotationPolicy } from './rotation/rotation-policy';
import type { RotationScheduler } from './rotation/rotation-scheduler';
import type { RotationService } from './rotation/rotation-service';
import type { RotationRecord } from './rotation/rotation-store';
import { openStore, type AuthorityStore } from './store/store';
import { openLeadershipPart } from './composition/leadership-part';
import type { LeaseTimings } from './leadership/lease-keeper';
import type { Leadership } from './leadership/leadership';
import type { Clock, Milliseconds, Seconds, Sleep } from './time/clock';
import type { TokenIssuer } from './tokens/token-issuer';
import { openSessionsPart } from './composition/sessions-part';
import type { SessionService } from './sessions/session-service';
import type { TokenStatusEvaluator } from './sessions/token-status';
import type { Revocation } from './revocations/revocation';

export interface AuthorityCoreOptions {
  /** Folder of the SQLite database (unused by the store when {@link database} is set). */
  readonly dataDir: string;
  /** PostgreSQL instead of SQLite (`REVMESH_DATABASE_URL`); timeouts default to the store's. */
  readonly database?: { readonly url: string; readonly statementTimeoutMs?: number; readonly connectTimeoutMs?: number };
  /** Key-encryption key, exactly 32 bytes. */
  readonly kek: Buffer;
  /** Issuer URL (`iss`). */
  readonly issuer: string;
  /** Access-token lifetime, seconds (1..86400). Also the longest token a retiring key must outlive. */
  readonly accessTokenTtlSeconds: Seconds;
  /** Prefix of every topic name (see contracts' `topicNames`). */
  readonly topicPrefix: string;
  /**
   * Verifier clock skew, ms: extra lifetime of revocation rules, and extra time a retiring key
   * keeps verifying after its last token expired. Default 60 s.
   */
  readonly revocationSkewMs?: Milliseconds;
  /** Rotation periods and bounds. Default {@link DEFAULT_ROTATION_POLICY}. */
  readonly rotation?: Partial<RotationPolicy>;
  /**
   * Out-of-band recovery from a leaked event-signing key: at open, every trusted event signer
   * is marked compromised and a new one starts a new chain. Sidecars must be redeployed with the
   * new signer as their anchor. DANGEROUS: every open with this set resets again.
   */
  readonly eventSignerReset?: boolean;
  readonly clock?: Clock;
  readonly sleep?: Sleep;
  readonly logger?: AuthorityLogger;
  /** Metrics go here. Default: the global meter provider of `@opentelemetry/api` (no-op without an SDK). */
  readonly meterProvider?: MeterProvider;
  /**
   * The leader lease among replicas sharing a PostgreSQL store (REVMESH_LEASE_TTL_MS,
   * REVMESH_LEASE_RENEW_MS; defaults {@link DEFAULT_LEASE_TIMINGS}). On SQLite the one authority
   * is the leader at once.
   */
  readonly lease?: Partial<LeaseTimings>;
  /** This replica's name as lease holder. Default: `<hostname>:<pid>:<random>`. */
  readonly replicaId?: string;
  /** Monotonic ms the lease decisions are taken on (tests). Default `performance.now`. */
  readonly monotonic?: () => Milliseconds;
  /** Anomaly thresholds (defaults: {@link DEFAULT_ANOMALY_THRESHOLDS}). */
  readonly anomalyThresholds?: Partial<AnomalyThresholds>;
  /** argon2id cost of operator passwords. Default: OWASP's minimum. Tests lower it; never lower it in production. */
  readonly passwordHashCost?: PasswordHashCost;
  /** The SSF transmitter (revocations out as SETs to registered receivers); defaults in {@link SsfTransmitterSettings}. */
  readonly ssfTransmitter?: SsfTransmitterSettings;
  /**
   * Security policy file (YAML or JSON by extension; REVMESH_POLICY_FILE). Validated before
   * anything is opened, against `accessTokenTtlSeconds` and `rotation`; stored as a new policy
   * version when its content differs from the last file applied.
   */
  readonly policyFile?: string;
  /** How often the audit retention job runs (purge past `policy.audit.retentionDays`). Default 1 hour. */
  readonly auditRetentionIntervalMs?: Milliseconds;
  /**
   * Retention of the store: published outbox rows, expired revocations, gone sidecar instances
   * (defaults: {@link DEFAULT_STORE_RETENTION}; validated at open). Audit entries follow the
   * policy's `audit.retentionDays` instead.
   */
  readonly storeRetention?: Partial<StoreRetentionPeriods>;
  /** How often the store retention job runs. Default 10 minutes. */
  readonly storeRetentionIntervalMs?: Milliseconds;
  /**
   * Ship audit entries, signed, to the audit topic (default true). Off: entries stay in the store
   * only, unshipped, and are shipped in order once an authority starts with it on again.
   */
  readonly auditShipping?: boolean;
  /** The SSF receiver (CAEP/RISC events in): where transmitters push, how often poll streams are polled. */
  /**
   * Incident communications: where the secrets of the policy's webhooks are read (default
   * `process.env`), the delivery retry schedule, attempts and timeout (defaults:
   * {@link DEFAULT_COMMS_DELIVERY}).
   */
  readonly comms?: CommsOptions;
  readonly ssfReceiver?: {
    /** Public base URL of the push endpoint (`<base>/ssf/receiver/push/<id>`). Default: `issuer`. */
    readonly publicBaseUrl?: string;
    /** Pause of a poller after an empty poll, ms. Default 1000. */
    readonly pollIntervalMs?: Milliseconds;
    /** HTTP client of the stream management API and discovery (tests). Default: global fetch. */
    readonly fetch?: typeof globalThis.fetch;
  };
}

/** Options of {@link AuthorityCore.createSnapshotPublisher}; the store, topics, signer and audit log come from the core. */
export type SnapshotPublisherWiring = Pick<SnapshotPublisherOptions, 'inspector' | 'publisher' | 'ensureTopics' | 'intervalMs' | 'chunkBytes' | 'logger'>;

/** Options of {@link AuthorityCore.createHeartbeat}. */
export interface HeartbeatOptions {
  readonly publisher: Pick<RecordPublisher, 'publish'>;
  readonly intervalMs?: Milliseconds;
  readonly logger?: AuthorityLogger;
}

/** Options of {@link AuthorityCore.createRelay}; the rest comes from the core. */
export type RelayOptions = Omit<OutboxRelayOptions, 'outbox' | 'topics' | 'wake' | 'publisher' | 'transport'> & {
  readonly transport: Pick<EventTransport, 'ensureTopics'>;
  readonly publisher: RecordPublisher;
};

/** The event-signing keys, as the API shows and rotates them. */
export interface EventSigners {
  /** Kid of the signer of every new event. */
  currentKid(): string;
  /** Public keys sidecars should trust now (announced, active, overlap). */
  trusted(): readonly EventSignerJwk[];
  /** Every signer ever used, with its state. */
  list(): StoredEventSigner[];
  readonly rotation: EventSignerRotation;
}

/** A rotation record with each of its key events and who holds them. */
export interface RotationDetails {
  readonly record: RotationRecord;
  readonly events: readonly (KeyEventRecord & { readonly coverage: EventCoverage })[];
}

/** Everything the authority does, without HTTP. One per process. */
export interface AuthorityCore {
  readonly store: AuthorityStore;
  readonly keys: SigningKeys;
  readonly clients: ClientRegistry;
  /**
   * Client authentication at the token endpoint: failures throttled per client id and per address
   * (the operator-login rules), audited within the anonymous budget, fed to the auth-failure anomaly.
   */
  readonly clientAuthentication: ClientAuthentication;
  /** Operator actions on clients: sealed secrets, secret rotation with overlap, disable/enable. */
  readonly clientLifecycle: ClientLifecycle;
  readonly tokens: TokenIssuer;
  /** Trusted external issuers (OpenID providers) a revocation may target (`iss`). */
  readonly issuers: IssuerRegistry;
  readonly revocations: RevocationService;
  readonly outbox: OutboxStore;
  readonly rotations: RotationService;
  readonly eventSigners: EventSigners;
  /** Where the acks-topic consumer hands sidecar reports. */
  readonly reports: SidecarReportSink;
  readonly instances: InstanceDirectory;
  readonly keyEvents: KeyEventLog;
  readonly admin: AdminActionLog;
  /**
   * revmesh as an SSF transmitter: discovery metadata, the stream management API of receivers,
   * and our revocations delivered to them as SETs (its dispatcher is running; `close` stops it).
   */
  readonly ssfTransmitter: SsfTransmitter;
  /** The rotation policy in force (its period from the security policy when that sets one). */
  readonly policy: RotationPolicy;
  /** The security policy in force (policy as code) and its versions: read it through `current()`. */
  readonly securityPolicy: PolicyStore;
  /** The clock every service of this core reads (injected in tests). */
  readonly clock: Clock;
  /** Topics the authority publishes to (revocations, keys) and reads (acks), with their creation configs. */
  readonly topics: {
    readonly revocations: TopicSpec;
    readonly keys: TopicSpec;
    readonly acks: TopicSpec;
    readonly alerts: TopicSpec;
    readonly audit: TopicSpec;
  };
  /** The authority's metrics (meter `@revmesh/authority`). */
  readonly metrics: AuthorityMetrics;
  /** Anomaly signals and their deduplicated alerts. */
  readonly anomalies: AnomalyDetector;
  /** Operator accounts, logins (password + TOTP), sessions and operator tokens. */
  readonly operators: OperatorService;
  /**
   * The SSF receiver: transmitters (OpenID providers) whose CAEP/RISC events become revocations;
   * its pollers run once `ssfReceiver.start()` is called (stop them before `close`).
   */
  readonly ssfReceiver: SsfReceiver;
  /** The kill switch (global or per audience, optional lockdown), published on the keys topic. Not approval-gated here. */
  readonly killSwitch: KillSwitchService;
  /**
   * The two-person rule: actions the security policy puts behind a second security-admin are
   * submitted here, stored as pending, and run once approved (expiry sweep running).
   */
  readonly approvals: ApprovalService;
  /**
   * The tamper-evident audit log (hash chain): `append` inside the transaction of the change it
   * records; every entry is shipped signed (`audit.recorded`) to the audit topic; a retention job
   * purges old entries behind a signed checkpoint.
   */
  readonly audit: AuthorityAudit;
  /**
   * The store's retention job (started): expired revocations, published outbox rows, acks and
   * gone instances past their retention. `runOnce` for tests and operators.
   */
  readonly storeRetention: { runOnce(): Promise<StoreRetentionResult>; readonly periods: StoreRetentionPeriods };
  /**
   * Sessions started by token exchange (RFC 8693) with rotating refresh tokens and reuse
   * detection; the token endpoints' revocation (RFC 7009) and introspection (RFC 7662).
   */
  readonly sessions: SessionService;
  /**
   * Incident records (kind `incident` or `drill`): opened, changed and closed as audited actions,
   * with the actions made for them linked, and each one's timeline and containment.
   */
  readonly incidents: IncidentsPart['incidents'];
  /**
   * Incident communications: messages per audience rendered from the policy's templates,
   * previewed, sent (to customers once a second operator approved) to the policy's webhooks
   * through a durable outbox (its dispatcher runs while this replica holds the leader lease),
   * audited with their exact text.
   */
  readonly comms: CommsService;
  /** Whether one of the authority's own access tokens is active, as every sidecar would decide. */
  readonly tokenStatus: TokenStatusEvaluator;
  /** The signed `authority.heartbeat` sender (not started). */
  createHeartbeat(options: HeartbeatOptions): AuthorityHeartbeat;
  /** Every token-signing key with its state (no private material). */
  keyStates(): StoredSigningKey[];
  /** Upcoming rotation and retirements. */
  calendar(): KeyCalendar;
  /**
   * Which live sidecars applied a revocation's event.
   * @throws {RevocationNotFoundError} for an unknown id.
   */
  revocationCoverage(revocationId: string): { readonly revocationId: string; readonly coverage: EventCoverage };
  /**
   * A rotation with per-instance confirmation of each key event it published.
   * @throws {RotationNotFoundError} for an unknown id.
   */
  rotationDetails(rotationId: string): RotationDetails;
  /**
   * A relay for this core's outbox (revocations, keys topics; creates the acks topic too), for
   * this leadership term: its "published" marks are refused once the lease moved to a newer epoch.
   * @throws {NotLeaderError} when this replica does not hold the lease.
   */
  createRelay(options: RelayOptions): OutboxRelay;
  /**
   * The guard of the revocations and keys topics (not started): a topic deleted, recreated or
   * truncated on the broker is recreated and its live state republished, with an alert.
   */
  createTopicGuard(options: TopicGuardWiring): TopicGuard;
  /**
   * The publisher of signed snapshots of the live deny state on the snapshot topic (not started),
   * which starting sidecars load instead of replaying the revocations topic in full.
   */
  createSnapshotPublisher(options: SnapshotPublisherWiring): SnapshotPublisher;
  /** The key calendar's scheduler (not started: the process runs it as a leader's task). One per core. */
  readonly scheduler: RotationScheduler;
  /**
   * The leader election among the replicas sharing this store (started). The core's own
   * singletons (audit and store retention, the approval expiry sweep, the SSF and comms dispatchers) run
   * while this replica leads; the process adds its own (relay, scheduler, heartbeat, ...).
   */
  readonly leadership: Leadership;
  /** Flushes reports and closes the database. Stop the leadership (and so the relay and the scheduler) first. */
  close(): void;
}

/**
 * Opens the store (running migrations), opens the keys (KEK checked before anything is
 * written), makes sure there is one active key and one pre-published standby, and wires the
 * services together. The parts below are listed in the order they open; `close` runs in reverse.
 *
 * @throws {KeyUnwrapError} when `kek` does not open a stored key; the database is closed and
 *   nothing in it has changed.
 * @throws {StoreError} / {MigrationError} when the database cannot be opened or migrated.
 * @throws {TypeError} for an invalid rotation policy.
 * @throws {PolicyInvalidError} when the policy file (or the stored policy in force) is invalid or
 *   does not fit `accessTokenTtlSeconds` / `rotation`; the message names the file and the field.
 */
export async function openAuthorityCore(options: AuthorityCoreOptions): Promise<AuthorityCore> {
  const settings = resolveCoreSettings(options);
  const { clock, sleep, logger, names } = settings;
  const store = openStore({
    dataDir: options.dataDir,
    clock,
    ...(options.database === undefined
      ? {}
      : { databaseUrl: options.database.url, statementTimeoutMs: options.database.statementTimeoutMs, connectTimeoutMs: options.database.connectTimeoutMs }),
  });
  try {
    // Who runs the singletons (started once the core is wired, below).
    const leadership = openLeadershipPart(settings, store);
    // Anything committed to the outbox wakes the relay.
    const wake = createWakeSignal(sleep);
    // ...and the SSF transmitter's dispatcher, once it is open (a revocation's SETs go out at once).
    let wakeSsfTransmitter = (): void => undefined;
    const onCommitted = () => {
      wake.notify();
      wakeSsfTransmitter();
    };
    const outbox = createOutboxStore(store);
    const audit = openAuditPart(settings, store);
    const keys = await openKeyMaterialPart(settings, store, audit.admin);
    const securityPolicy = createPolicyStore({ store, clock, limits: settings.policyLimits, audit: audit.log, ...(settings.policyFile === undefined ? {} : { file: settings.policyFile }) });
    const shipping = audit.startShipping({ outbox, signer: keys.signerRing, policy: securityPolicy, onCommitted });
    const keyEvents = await openKeyEventsPart(settings, { store, outbox, audit: audit.log, keys, onCommitted });
    const monitoring = openMonitoringPart(settings, { store, outbox, signer: keys.signerRing, keyEvents: keyEvents.keyEvents, onCommitted });
    // Sessions open after the revocations they listen to: accepted revocations reach them through this hook.
    let onRevocationAccepted: (revocation: Revocation) => void = () => undefined;
    const issuing = openIssuingPart(settings, { store, outbox, audit: audit.log, anonymousRefusals: audit.anonymousRefusals, signer: keys.signerRing, keyRing: keys.keyRing, killSwitch: keyEvents.killSwitch, policy: securityPolicy, monitoring, onCommitted, onRevocationAccepted: (r) => onRevocationAccepted(r) });
    const sessions = openSessionsPart(settings, { store, audit: audit.log, keyStore: keys.keyStore, killSwitch: keyEvents.killSwitch, policy: securityPolicy, issuing, monitoring });
    onRevocationAccepted = (r) => sessions.sessions.onRevocationAccepted(r);
    const rotation = openRotationPart(settings, { store, admin: audit.admin, keys, keyEvents, revocations: issuing.revocations, securityPolicy, monitoring });
    // Approved actions link what they made to their incident (read when one runs): incidents open after the approvals they read.
    const governance = openGovernancePart(settings, { store, audit: audit.log, anonymousRefusals: audit.anonymousRefusals, policy: securityPolicy, rotations: rotation.rotations, revocations: issuing.revocations, killSwitch: keyEvents.killSwitch, clients: issuing.clientLifecycle, incidents: () => incidents.incidents, comms: () => comms.comms });
    const incidents = openIncidentsPart(settings, { store, audit: audit.log, revocations: issuing.revocations, approvals: governance.approvals, instances: monitoring.instances, anomalies: monitoring.anomalies, blockedReports: monitoring.blockedReports, keyEvents: keyEvents.keyEvents });
    // After the incidents it renders and the approvals it waits on; approved messages to customers reach it through governance.
    const comms = openCommsPart(settings, { store, audit: audit.log, policy: securityPolicy, approvals: governance.approvals, incidents: incidents.incidents, options: options.comms });
    const retention: StoreRetention = openRetentionPart(settings, { store, auditLog: audit.log });
    const topics = authorityTopics(names);
    const rotationPolicy = () => effectiveRotationPolicy(settings.rotationPolicy, securityPolicy);
    const ssfTransmitter = await openSsfTransmitterPart(settings, { store, audit: audit.log, keys: keys.keyRing, clients: issuing.clients, revocations: issuing.revocations, settings: options.ssfTransmitter });
    wakeSsfTransmitter = () => ssfTransmitter.notify();

    const core: AuthorityCore = {
      store,
      keys: keys.keyRing,
      ...issuing,
      ...sessions,
      outbox,
      rotations: rotation.rotations,
      eventSigners: {
        currentKid: () => keys.signerRing.current.kid,
        trusted: () => keys.signerRing.trusted(),
        list: () => keys.signerStore.list(),
        rotation: rotation.signerRotation,
      },
      reports: rotation.reports,
      instances: monitoring.instances,
      keyEvents: keyEvents.keyEvents,
      admin: audit.admin,
      ssfTransmitter,
      get policy() {
        return rotationPolicy();
      },
      securityPolicy,
      clock,
      topics,
      metrics: monitoring.metrics,
      anomalies: monitoring.anomalies,
      operators: governance.operators,
      killSwitch: keyEvents.killSwitch,
      ssfReceiver: openSsfReceiverPart(settings, { store, audit: audit.log, policy: securityPolicy, revocations: issuing.revocations, issuers: issuing.issuers }),
      approvals: governance.approvals,
      incidents: incidents.incidents,
      comms: comms.comms,
      audit: authorityAudit(audit.log, shipping.shipper, shipping.retention, audit.anonymousRefusals),
      storeRetention: { runOnce: () => retention.runOnce(), periods: retention.periods },
      createHeartbeat: (heartbeat) =>
        createAuthorityHeartbeat({ clock, logger, ...heartbeat, topics: [names.keys, names.revocations], signer: keys.signerRing, keySetVersion: () => keyEvents.keyEvents.version() }),
      keyStates: () => keys.keyStore.list(),
      calendar: () => keyCalendar(keys.keyStore.list(), rotationPolicy()),
      revocationCoverage: (revocationId) => revocationCoverage(issuing.revocations, monitoring.instances, clock, revocationId),
      rotationDetails: (rotationId) => rotationDetails(rotation.rotations, monitoring.instances, clock, rotationId),
      createRelay: (relay) => {
        // Its "published" marks hold only while the lease is at the epoch it was created under.
        const epoch = leadership.fence();
        return createOutboxRelay({
          clock,
          sleep,
          logger,
          metrics: monitoring.metrics,
          topicKinds: topicKinds(names),
          ...relay,
          outbox,
          wake,
          topics: [topics.revocations, topics.keys, topics.acks, topics.alerts, topics.audit],
          confirmMarks: () => leadership.confirmEpoch(epoch),
        });
      },
      createSnapshotPublisher: (wiring) =>
        createSnapshotPublisher({
          clock,
          logger,
          ...wiring,
          store,
          topics: names,
          snapshotTopic: authorityTopics(names).snapshots,
          signer: keys.signerRing,
          keySetVersion: () => keyEvents.keyEvents.version(),
          audit: audit.log,
        }),
      createTopicGuard: topicGuardFactory(settings, {
        store,
        topics,
        keyEvents,
        revocations: issuing.revocations,
        metrics: monitoring.metrics,
        anomalies: monitoring.anomalies,
      }),
      scheduler: rotation.scheduler,
      leadership,
      close: () => {
        // Releases the lease while the store is still open.
        leadership.close();
        // Its loop ends at once; a push in flight finishes (or fails) on its own.
        void ssfTransmitter.stop();
        void comms.close();
        retention.stop();
        governance.close();
        rotation.close();
        audit.close();
        store.close();
      },
    };
    // Singletons: one replica runs them, the lease holder (on SQLite, the one authority, at once).
    leadership.whileLeader({ name: 'audit retention', start: () => shipping.retention.start(), stop: () => shipping.retention.stop() });
    leadership.whileLeader({ name: 'store retention', start: () => retention.start(), stop: () => retention.stop() });
    leadership.whileLeader({ name: 'approval expiry sweep', start: () => governance.approvals.start(), stop: () => governance.approvals.stop() });
    leadership.whileLeader({ name: 'SSF transmitter dispatcher', start: () => ssfTransmitter.start(), stop: () => ssfTransmitter.stop() });
    leadership.whileLeader({ name: 'comms dispatcher', start: () => comms.dispatcher.start(), stop: () => comms.dispatcher.stop() });
    await leadership.start();
    return core;
  } catch (error) {
    store.close();
    throw error;
  }
}

function revocationCoverage(revocations: RevocationService, instances: InstanceDirectory, clock: Clock, revocationId: string) {
  const status = revocations.get(revocationId);
  if (status.eventId === null) throw new RevocationNotFoundError(revocationId);
  return { revocationId, coverage: instances.coverage({ eventId: status.eventId, publishedAt: status.publishedAt }, clock.now()) };
}

function rotationDetails(rotations: RotationService, instances: InstanceDirectory, clock: Clock, rotationId: string): RotationDetails {
  const record = rotations.get(rotationId);
  const now = clock.now();
  const events = rotations.events(rotationId).map((event) => ({
    ...event,
    coverage: instances.coverage({ eventId: event.eventId, publishedAt: event.publishedAt, keySetVersion: event.version }, now),
  }));
  return { record, events };
}
