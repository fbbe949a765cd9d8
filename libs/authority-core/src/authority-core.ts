import { acksTopicSpec, alertsTopicSpec, auditTopicSpec, keysTopicSpec, revocationTopicSpec, topicNames, type Actor, type EventSignerJwk, type TopicSpec } from '@revmesh/contracts';
import type { EventTransport, RecordPublisher } from '@revmesh/transport';
import type { MeterProvider } from '@opentelemetry/api';
import { createAlertPublisher } from './anomalies/alert-outbox';
import { createAnomalyDetector, type AnomalyDetector, type AnomalyThresholds } from './anomalies/anomaly-detector';
import { createAuthorityHeartbeat, type AuthorityHeartbeat } from './heartbeat/authority-heartbeat';
import { createAuthorityMetrics, type AuthorityMetrics } from './telemetry/authority-metrics';
import { createAdminActionLog, type AdminActionLog } from './admin/admin-actions';
import { authorityAudit, type AuthorityAudit } from './audit/authority-audit';
import { createAuditRetention } from './audit/audit-retention';
import { createAuditShipper, type AuditShipper } from './audit/audit-shipper';
import { createAuditLog } from './audit/audit-store';
import { approvalExecutors } from './approvals/approval-executors';
import { createApprovalService, type ApprovalService } from './approvals/approval-service';
import { createClientRegistry, type ClientRegistry } from './clients/client-registry';
import { ClientAuthenticationError, RevocationNotFoundError } from './errors/errors';
import { createEventSignerRing } from './event-signers/event-signer-ring';
import { createEventSignerStore, type StoredEventSigner } from './event-signers/signer-store';
import { createEventSignerRotation, type EventSignerRotation } from './event-signers/signer-rotation';
import { createKeyEventLog, type KeyEventLog, type KeyEventRecord } from './events/key-event-log';
import { createKeyLifecycle } from './keys/key-lifecycle';
import type { KillSwitchService } from './kill-switch/kill-switch';
import { createKillSwitchService } from './kill-switch/kill-switch-service';
import { createSigningKeyStore, type StoredSigningKey } from './keys/key-store';
import { createKeyRing, type SigningKeys } from './keys/signing-keys';
import { silentLogger, type AuthorityLogger } from './logging/logger';
import { createOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from './outbox/outbox-relay';
import { createOutboxStore, type OutboxStore } from './outbox/outbox-store';
import { createWakeSignal } from './outbox/wake-signal';
import { createOperatorService, type OperatorService } from './operators/operator-service';
import type { PasswordHashCost } from './operators/password-hasher';
import { loadPolicyFile } from './policy/policy-file';
import { createPolicyStore, type PolicyStore } from './policy/policy-store';
import type { PolicyLimits } from './policy/policy-validation';
import { createInstanceDirectory, type EventCoverage, type InstanceDirectory } from './reports/instance-directory';
import { createReportSink, type SidecarReportSink } from './reports/report-sink';
import { DEFAULT_REVOCATION_SKEW_MS } from './revocations/revocation';
import { createRevocationService, type RevocationService } from './revocations/revocation-service';
import { keyCalendar, type KeyCalendar } from './rotation/key-calendar';
import { createPromotionGate } from './rotation/promotion-gate';
import { DEFAULT_ROTATION_POLICY, effectiveRotationPolicy, validateRotationPolicy, type RotationPolicy } from './rotation/rotation-policy';
import { createRotationScheduler, type RotationScheduler } from './rotation/rotation-scheduler';
import { createRotationService, type RotationService } from './rotation/rotation-service';
import { createRotationStore, type RotationRecord } from './rotation/rotation-store';
import { openStore, type AuthorityStore } from './store/store';
import { realSleep, systemClock, type Clock, type Milliseconds, type Seconds, type Sleep } from './time/clock';
import { createTokenIssuer, type TokenIssuer } from './tokens/token-issuer';

export interface AuthorityCoreOptions {
  /** Folder of the SQLite database. */
  readonly dataDir: string;
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
  /** Anomaly thresholds (defaults: {@link DEFAULT_ANOMALY_THRESHOLDS}). */
  readonly anomalyThresholds?: Partial<AnomalyThresholds>;
  /** argon2id cost of operator passwords. Default: OWASP's minimum. Tests lower it; never lower it in production. */
  readonly passwordHashCost?: PasswordHashCost;
  /**
   * Security policy file (YAML or JSON by extension; REVMESH_POLICY_FILE). Validated before
   * anything is opened, against `accessTokenTtlSeconds` and `rotation`; stored as a new policy
   * version when its content differs from the last file applied.
   */
  readonly policyFile?: string;
  /** How often the audit retention job runs (purge past `policy.audit.retentionDays`). Default 1 hour. */
  readonly auditRetentionIntervalMs?: Milliseconds;
  /**
   * Ship audit entries, signed, to the audit topic (default true). Off: entries stay in the store
   * only, unshipped, and are shipped in order once an authority starts with it on again.
   */
  readonly auditShipping?: boolean;
}

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
  readonly tokens: TokenIssuer;
  readonly revocations: RevocationService;
  readonly outbox: OutboxStore;
  readonly rotations: RotationService;
  readonly eventSigners: EventSigners;
  /** Where the acks-topic consumer hands sidecar reports. */
  readonly reports: SidecarReportSink;
  readonly instances: InstanceDirectory;
  readonly keyEvents: KeyEventLog;
  readonly admin: AdminActionLog;
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
  /** A relay for this core's outbox (revocations, keys topics; creates the acks topic too). */
  createRelay(options: RelayOptions): OutboxRelay;
  /** The key calendar's scheduler (not started). One per core. */
  readonly scheduler: RotationScheduler;
  /** Flushes reports and closes the database. Stop the scheduler and the relay first. */
  close(): void;
}

/** Actor of what the authority does at start on its own. */
const STARTUP_ACTOR: Actor = { kind: 'system', id: 'authority' };

/**
 * Opens the store (running migrations), opens the keys (KEK checked before anything is
 * written), makes sure there is one active key and one pre-published standby, and wires the
 * services together.
 *
 * @throws {KeyUnwrapError} when `kek` does not open a stored key; the database is closed and
 *   nothing in it has changed.
 * @throws {StoreError} / {MigrationError} when the database cannot be opened or migrated.
 * @throws {TypeError} for an invalid rotation policy.
 * @throws {PolicyInvalidError} when the policy file (or the stored policy in force) is invalid or
 *   does not fit `accessTokenTtlSeconds` / `rotation`; the message names the file and the field.
 */
export async function openAuthorityCore(options: AuthorityCoreOptions): Promise<AuthorityCore> {
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? realSleep;
  const logger = options.logger ?? silentLogger;
  const policy = validateRotationPolicy({ ...DEFAULT_ROTATION_POLICY, ...options.rotation });
  const skewMs = options.revocationSkewMs ?? DEFAULT_REVOCATION_SKEW_MS;
  const names = topicNames(options.topicPrefix);
  const policyLimits: PolicyLimits = {
    accessTokenTtlSeconds: options.accessTokenTtlSeconds,
    prepublishLeadMs: policy.prepublishLeadMs,
    promotionGateTimeoutMs: policy.promotionGateTimeoutMs,
  };
  // An invalid policy file stops the start before the database is even opened.
  const policyFile = options.policyFile === undefined ? undefined : loadPolicyFile(options.policyFile, policyLimits);
  const store = openStore({ dataDir: options.dataDir, clock });
  try {
    // The audit log first: everything below may record into it. Its shipper needs the event
    // signer, so appends before the signer is loaded wait unshipped until the shipper starts.
    const shipping: { shipper?: AuditShipper } = {};
    const auditLog = createAuditLog({ store, clock, onAppended: () => shipping.shipper?.notify() });
    const admin = createAdminActionLog(store, auditLog);
    const wake = createWakeSignal(sleep);
    const outbox = createOutboxStore(store);
    const keyStore = createSigningKeyStore(store);
    const keyRing = createKeyRing({ keys: keyStore, kek: options.kek, storePath: store.path });
    // Token keys first: a wrong KEK fails here, before the signer ring may write anything.
    await keyRing.load();
    const securityPolicy = createPolicyStore({
      store,
      clock,
      limits: policyLimits,
      audit: auditLog,
      ...(policyFile === undefined ? {} : { file: policyFile }),
    });
    const signerStore = createEventSignerStore(store);
    const signerRing = createEventSignerRing({
      store,
      signers: signerStore,
      admin,
      kek: options.kek,
      clock,
      logger,
      reset: options.eventSignerReset === true,
    });
    await signerRing.load();
    const auditShipper = (shipping.shipper = createAuditShipper({ store, log: auditLog, outbox, topic: names.audit, signer: signerRing, clock, logger, onCommitted: () => wake.notify() }));
    if (options.auditShipping === false) auditShipper.stop();
    auditShipper.notify();
    const auditRetention = createAuditRetention({
      store,
      log: auditLog,
      signer: signerRing,
      policy: securityPolicy,
      clock,
      logger,
      ...(options.auditRetentionIntervalMs === undefined ? {} : { intervalMs: options.auditRetentionIntervalMs }),
    });
    auditRetention.start();
    const keyEvents = createKeyEventLog({ store, outbox, signers: signerRing, topic: names.keys, clock, onCommitted: () => wake.notify() });
    const lifecycle = createKeyLifecycle({
      keys: keyStore,
      ring: keyRing,
      log: keyEvents,
      signers: signerRing,
      kek: options.kek,
      accessTokenTtlSeconds: options.accessTokenTtlSeconds,
      skewMs,
    });
    await keyEvents.exclusive(() => lifecycle.ensureInvariants(STARTUP_ACTOR));
    const killSwitch = createKillSwitchService({ store, log: keyEvents, signers: signerRing, clock, logger, audit: auditLog });
    // After a signer switch or reset, a lockdown must stay readable by every sidecar.
    await killSwitch.republishStale(STARTUP_ACTOR);

    const instances = createInstanceDirectory(store);
    const metrics = createAuthorityMetrics({
      store,
      instances,
      clock,
      topics: names,
      keySetVersion: () => keyEvents.version(),
      ...(options.meterProvider === undefined ? {} : { meterProvider: options.meterProvider }),
    });
    const publishAlert = createAlertPublisher({ store, outbox, topic: names.alerts, signer: signerRing, clock, logger, onCommitted: () => wake.notify() });
    const anomalies = createAnomalyDetector({
      clock,
      logger,
      ...(options.anomalyThresholds === undefined ? {} : { thresholds: options.anomalyThresholds }),
      onRaised: (alert) => {
        metrics.anomalyRaised(alert.kind);
        void publishAlert(alert);
      },
    });
    const revocations = createRevocationService({
      store,
      outbox,
      topic: names.revocations,
      accessTokenTtlSeconds: options.accessTokenTtlSeconds,
      skewMs,
      clock,
      signer: signerRing,
      audit: auditLog,
      onCommitted: () => wake.notify(),
      onAccepted: (revocation) => {
        metrics.revocationAccepted(revocation.target.type);
        anomalies.onRevocation();
      },
    });
    const issuer = createTokenIssuer({
      issuer: options.issuer,
      keys: keyRing,
      revocations,
      killSwitch,
      accessTokenTtlSeconds: options.accessTokenTtlSeconds,
      policy: securityPolicy,
      clock,
      sleep,
    });
    const tokens: TokenIssuer = {
      async issueClientCredentials(client, request) {
        const issued = await issuer.issueClientCredentials(client, request);
        metrics.tokenIssued('client_credentials', 'access');
        return issued;
      },
    };
    const registry = createClientRegistry({ store, clock, audit: auditLog });
    const clients: ClientRegistry = {
      ...registry,
      authenticate(clientId, clientSecret) {
        try {
          return registry.authenticate(clientId, clientSecret);
        } catch (error) {
          if (error instanceof ClientAuthenticationError) metrics.loginFailed('client', 'invalid_client');
          throw error;
        }
      },
    };

    const gateWake = createWakeSignal(sleep);
    const reports = createReportSink({
      store,
      clock,
      logger,
      onRecorded: () => {
        gateWake.notify();
        // An ack may have completed an event's coverage: record its duration now.
        metrics.checkCoverage();
      },
      onReceived: (type) => metrics.reportReceived(type),
      onBlocked: (report) => anomalies.onBlocked(report),
    });
    const gate = createPromotionGate({ log: keyEvents, instances, clock, sleep, wake: gateWake });
    const rotationStore = createRotationStore(store);
    const rotations = createRotationService({
      store,
      keys: keyStore,
      lifecycle,
      log: keyEvents,
      rotations: rotationStore,
      gate,
      admin,
      clock,
      logger,
      promotionGateTimeoutMs: policy.promotionGateTimeoutMs,
    });
    const signerRotation = createEventSignerRotation({
      store,
      signers: signerStore,
      ring: signerRing,
      log: keyEvents,
      lifecycle,
      revocations,
      killSwitch,
      gate,
      admin,
      kek: options.kek,
      clock,
      logger,
      overlapMs: policy.eventSignerOverlapMs,
      promotionGateTimeoutMs: policy.promotionGateTimeoutMs,
    });
    const scheduler = createRotationScheduler({
      keys: keyStore,
      rotation: rotations,
      signers: signerRotation,
      policy,
      securityPolicy,
      clock,
      sleep,
      logger,
    });
    const approvals = createApprovalService({
      store,
      audit: auditLog,
      policy: securityPolicy,
      executors: approvalExecutors({ rotations, revocations, killSwitch, policy: securityPolicy }),
      clock,
      logger,
    });
    approvals.start();
    const operatorService = createOperatorService({
      store,
      kek: options.kek,
      issuer: options.issuer,
      policy: securityPolicy,
      audit: auditLog,
      clock,
      ...(options.passwordHashCost === undefined ? {} : { passwordHashCost: options.passwordHashCost }),
    });
    const operators: OperatorService = {
      ...operatorService,
      disable(username, context) {
        const disabled = operatorService.disable(username, context);
        // A disabled (perhaps compromised) operator's pending requests must not run in their name
        // when someone approves them later: they are denied with the disabling admin's context.
        const requester = disabled.username.toLowerCase();
        for (const approval of approvals.list('pending', 1000)) {
          if (approval.requestedBy.actor.kind === 'operator' && approval.requestedBy.actor.id.toLowerCase() === requester) {
            approvals.deny(approval.id, { ...context, justification: `requester ${disabled.username} disabled: ${context.justification ?? ''}`.trim() });
          }
        }
        return disabled;
      },
    };
    const topics = {
      revocations: revocationTopicSpec(names.revocations),
      keys: keysTopicSpec(names.keys),
      acks: acksTopicSpec(names.acks),
      alerts: alertsTopicSpec(names.alerts),
      audit: auditTopicSpec(names.audit),
    };
    const topicKinds = {
      [names.revocations]: 'revocations',
      [names.keys]: 'keys',
      [names.acks]: 'acks',
      [names.alerts]: 'alerts',
      [names.audit]: 'audit',
    };

    return {
      store,
      keys: keyRing,
      clients,
      tokens,
      revocations,
      outbox,
      rotations,
      eventSigners: {
        currentKid: () => signerRing.current.kid,
        trusted: () => signerRing.trusted(),
        list: () => signerStore.list(),
        rotation: signerRotation,
      },
      reports,
      instances,
      keyEvents,
      admin,
      get policy() {
        return effectiveRotationPolicy(policy, securityPolicy);
      },
      securityPolicy,
      clock,
      topics,
      metrics,
      anomalies,
      operators,
      killSwitch,
      approvals,
      audit: authorityAudit(auditLog, auditShipper, auditRetention),
      createHeartbeat: (heartbeat) =>
        createAuthorityHeartbeat({
          clock,
          logger,
          ...heartbeat,
          topic: names.keys,
          signer: signerRing,
          keySetVersion: () => keyEvents.version(),
        }),
      keyStates: () => keyStore.list(),
      calendar: () => keyCalendar(keyStore.list(), effectiveRotationPolicy(policy, securityPolicy)),
      revocationCoverage(revocationId) {
        const status = revocations.get(revocationId);
        if (status.eventId === null) throw new RevocationNotFoundError(revocationId);
        return {
          revocationId,
          coverage: instances.coverage({ eventId: status.eventId, publishedAt: status.publishedAt }, clock.now()),
        };
      },
      rotationDetails(rotationId) {
        const record = rotations.get(rotationId);
        const now = clock.now();
        const events = rotations.events(rotationId).map((event) => ({
          ...event,
          coverage: instances.coverage({ eventId: event.eventId, publishedAt: event.publishedAt, keySetVersion: event.version }, now),
        }));
        return { record, events };
      },
      createRelay: (relay) =>
        createOutboxRelay({
          clock,
          sleep,
          logger,
          metrics,
          topicKinds,
          ...relay,
          outbox,
          wake,
          topics: [topics.revocations, topics.keys, topics.acks, topics.alerts, topics.audit],
        }),
      scheduler,
      close: () => {
        approvals.stop();
        auditRetention.stop();
        auditShipper.stop();
        reports.close();
        store.close();
      },
    };
  } catch (error) {
    store.close();
    throw error;
  }
}
