import { ALERT_RAISED, type AlertRaisedEvent, type EventSigningKey } from '@revmesh/contracts';
import { signForOutbox } from '../events/sign-for-outbox';
import { logErrorFields } from '../logging/log-fields';
import { silentLogger, type AuthorityLogger } from '../logging/logger';
import type { OutboxStore } from '../outbox/outbox-store';
import type { AuthorityStore } from '../store/store';
import { timeOrderedId } from '../store/time-ordered-id';
import { activeTraceparent } from '../telemetry/trace-context';
import type { Clock } from '../time/clock';
import { TRACEPARENT_HEADER } from '@revmesh/contracts';
import type { Alert } from './anomaly-detector';

/** The `alert.raised` event of an alert. */
export function alertRaisedEvent(alert: Alert, now: number): AlertRaisedEvent {
  return {
    id: timeOrderedId(),
    type: ALERT_RAISED,
    version: 1,
    issued_at: now,
    actor: { kind: 'system', id: 'authority' },
    payload: {
      alert_id: alert.alertId,
      kind: alert.kind,
      severity: alert.severity,
      dedup_key: alert.dedupKey.slice(0, 300),
      summary: alert.summary.slice(0, 1000),
      first_seen: alert.firstSeen,
      last_seen: alert.lastSeen,
      count: alert.count,
      details: alert.details,
    },
  };
}

/**
 * Publishes alerts signed on the alerts topic, through the outbox (so an alert raised while the
 * broker is down still reaches the SIEM). Fire and forget: failures are logged.
 */
export function createAlertPublisher(options: {
  readonly store: AuthorityStore;
  readonly outbox: OutboxStore;
  readonly topic: string;
  readonly signer: { readonly current: EventSigningKey };
  readonly clock: Clock;
  readonly logger?: AuthorityLogger;
  readonly onCommitted?: () => void;
}): (alert: Alert) => Promise<void> {
  const logger = options.logger ?? silentLogger;
  return async (alert) => {
    try {
      const now = options.clock.now();
      const event = alertRaisedEvent(alert, now);
      const value = await signForOutbox(event, options.signer.current);
      options.store.transaction(() => {
        options.outbox.append(
          { eventId: event.id, record: { topic: options.topic, key: alert.dedupKey, value, headers: { [TRACEPARENT_HEADER]: activeTraceparent() } } },
          now,
        );
      });
      options.onCommitted?.();
    } catch (error) {
      logger.error('anomaly: could not queue the alert for publication', { alert_id: alert.alertId, kind: alert.kind, ...logErrorFields(error) });
    }
  };
}
