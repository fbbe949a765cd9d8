import type { AdminActionLog } from '../admin/admin-actions';
import type { EventSignerRotation } from '../event-signers/signer-rotation';
import { createEventSignerRotation } from '../event-signers/signer-rotation';
import type { KeyMaterialPart } from './key-material-part';
import type { KeyEventsPart } from './key-events-part';
import { createWakeSignal } from '../outbox/wake-signal';
import type { PolicyStore } from '../policy/policy-store';
import { createReportSink, type SidecarReportSink } from '../reports/report-sink';
import type { RevocationService } from '../revocations/revocation-service';
import { createPromotionGate } from '../rotation/promotion-gate';
import { createRotationScheduler, type RotationScheduler } from '../rotation/rotation-scheduler';
import { createRotationService, type RotationService } from '../rotation/rotation-service';
import { createRotationStore } from '../rotation/rotation-store';
import type { AuthorityStore } from '../store/store';
import type { CoreSettings } from './core-settings';
import type { MonitoringPart } from './monitoring-part';

/**
 * Sidecar reports (heartbeats, acks, blocked) and what waits on them: the promotion gate of token
 * key and event signer rotations, and the scheduler that runs both on the calendar.
 */
export interface RotationPart {
  readonly reports: SidecarReportSink;
  readonly rotations: RotationService;
  readonly signerRotation: EventSignerRotation;
  /** Not started: the app starts it. */
  readonly scheduler: RotationScheduler;
  close(): void;
}

export function openRotationPart(
  settings: CoreSettings,
  deps: {
    readonly store: AuthorityStore;
    readonly admin: AdminActionLog;
    readonly keys: KeyMaterialPart;
    readonly keyEvents: KeyEventsPart;
    readonly revocations: RevocationService;
    readonly securityPolicy: PolicyStore;
    readonly monitoring: MonitoringPart;
  },
): RotationPart {
  const { options, clock, sleep, logger, rotationPolicy: policy } = settings;
  const { store, admin, keys, revocations, securityPolicy, monitoring } = deps;
  const { keyEvents: log, lifecycle, killSwitch } = deps.keyEvents;
  const gateWake = createWakeSignal(sleep);
  const reports = createReportSink({
    store,
    clock,
    logger,
    onRecorded: () => {
      gateWake.notify();
      // An ack may have completed an event's coverage: record its duration now.
      monitoring.metrics.checkCoverage();
    },
    onReceived: (type) => monitoring.metrics.reportReceived(type),
    onBlocked: (report) => {
      monitoring.blockedReports.record(report);
      monitoring.anomalies.onBlocked(report);
    },
  });
  const gate = createPromotionGate({ log, instances: monitoring.instances, clock, sleep, wake: gateWake });
  const rotations = createRotationService({
    store,
    keys: keys.keyStore,
    lifecycle,
    log,
    rotations: createRotationStore(store),
    gate,
    admin,
    clock,
    logger,
    promotionGateTimeoutMs: policy.promotionGateTimeoutMs,
  });
  const signerRotation = createEventSignerRotation({
    store,
    signers: keys.signerStore,
    ring: keys.signerRing,
    log,
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
    keys: keys.keyStore,
    rotation: rotations,
    signers: signerRotation,
    policy,
    securityPolicy,
    clock,
    sleep,
    logger,
  });
  return { reports, rotations, signerRotation, scheduler, close: () => reports.close() };
}
