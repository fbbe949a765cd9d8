import { createAlertPublisher } from '../anomalies/alert-outbox';
import { createAnomalyDetector, type AnomalyDetector } from '../anomalies/anomaly-detector';
import type { EventSignerRing } from '../event-signers/event-signer-ring';
import type { KeyEventLog } from '../events/key-event-log';
import type { OutboxStore } from '../outbox/outbox-store';
import { createBlockedReportLog, type BlockedReportLog } from '../reports/blocked-report-log';
import { createInstanceDirectory, type InstanceDirectory } from '../reports/instance-directory';
import type { AuthorityStore } from '../store/store';
import { createAuthorityMetrics, type AuthorityMetrics } from '../telemetry/authority-metrics';
import type { CoreSettings } from './core-settings';

/** Who is listening (live sidecars), what the authority measures, and the anomalies it raises. */
export interface MonitoringPart {
  readonly instances: InstanceDirectory;
  readonly metrics: AuthorityMetrics;
  /** Raised alerts are counted and published, signed, on the alerts topic. */
  readonly anomalies: AnomalyDetector;
  /** Revoked credentials sidecars reported still presented (incident timelines); fed by the report sink. */
  readonly blockedReports: BlockedReportLog;
}

export function openMonitoringPart(
  settings: CoreSettings,
  deps: { readonly store: AuthorityStore; readonly outbox: OutboxStore; readonly signer: EventSignerRing; readonly keyEvents: KeyEventLog; readonly onCommitted: () => void },
): MonitoringPart {
  const { options, clock, logger, names } = settings;
  const { store, outbox, signer, keyEvents, onCommitted } = deps;
  const instances = createInstanceDirectory(store);
  const metrics = createAuthorityMetrics({
    store,
    instances,
    clock,
    topics: names,
    keySetVersion: () => keyEvents.version(),
    ...(options.meterProvider === undefined ? {} : { meterProvider: options.meterProvider }),
  });
  const publishAlert = createAlertPublisher({ store, outbox, topic: names.alerts, signer, clock, logger, onCommitted });
  const anomalies = createAnomalyDetector({
    clock,
    logger,
    ...(options.anomalyThresholds === undefined ? {} : { thresholds: options.anomalyThresholds }),
    onRaised: (alert) => {
      metrics.anomalyRaised(alert.kind);
      void publishAlert(alert);
    },
  });
  return { instances, metrics, anomalies, blockedReports: createBlockedReportLog() };
}
