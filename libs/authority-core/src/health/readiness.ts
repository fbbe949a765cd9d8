import type { OutboxRelayStatus } from '../outbox/outbox-relay';
import type { StoreHealth } from '../store/store-availability';
import type { Milliseconds } from '../time/clock';

/**
 * `ok`: everything works. `degraded`: revocations are accepted and stored durably but do not reach
 * the sidecars yet (broker, topic or acks trouble): keep routing to this authority, page someone.
 * `failing`: this authority cannot accept a revocation (its store cannot write): route elsewhere.
 */
export type ReadinessStatus = 'ok' | 'degraded' | 'failing';

/** One reason the authority is not `ok`. */
export interface ReadinessReason {
  readonly component: 'store' | 'broker' | 'outbox' | 'topics' | 'acks';
  readonly status: Exclude<ReadinessStatus, 'ok'>;
  /** For people: what is wrong and what it means. */
  readonly message: string;
}

export interface Readiness {
  readonly status: ReadinessStatus;
  readonly reasons: readonly ReadinessReason[];
}

/** What readiness looks at; each part is cheap to read. */
export interface ReadinessInputs {
  readonly now: number;
  readonly store: StoreHealth;
  readonly relay: OutboxRelayStatus;
  readonly outbox: { readonly count: number; readonly oldestCreatedAt: number | null };
  /** The acks-topic consumer's state (`connected`, `connecting`, `disabled`, ...). */
  readonly acks: string;
  /** Topics the authority publishes to that the broker does not have (or had truncated) right now. */
  readonly missingTopics?: readonly string[];
}

/** Bounds of {@link evaluateReadiness}. */
export interface ReadinessBounds {
  /** An unpublished outbox entry older than this makes the authority degraded, ms. Default 30 s. */
  readonly maxOutboxAgeMs: Milliseconds;
  /** Consecutive failed publish attempts after which the broker counts as unreachable. Default 3. */
  readonly maxPublishFailures: number;
}

export const DEFAULT_READINESS_BOUNDS: ReadinessBounds = { maxOutboxAgeMs: 30_000, maxPublishFailures: 3 };

/** The readiness verdict with every reason, worst first. */
export function evaluateReadiness(inputs: ReadinessInputs, bounds: ReadinessBounds = DEFAULT_READINESS_BOUNDS): Readiness {
  const reasons: ReadinessReason[] = [];
  const { store, relay, outbox, now } = inputs;
  if (store.lastWriteFailure !== undefined) {
    reasons.push({ component: 'store', status: 'failing', message: `the last write failed (${store.lastWriteFailure.reason}); writes answer 503 until one succeeds` });
  } else if (!store.writable) {
    reasons.push({ component: 'store', status: 'failing', message: `only ${formatBytes(store.freeBytes ?? 0)} free in the data folder; writes will fail soon` });
  }
  if (relay.consecutiveFailures >= bounds.maxPublishFailures) {
    reasons.push({ component: 'broker', status: 'degraded', message: `publishing to Kafka failed ${relay.consecutiveFailures} times in a row; revocations are stored and wait in the outbox` });
  }
  if (outbox.oldestCreatedAt !== null && now - outbox.oldestCreatedAt > bounds.maxOutboxAgeMs) {
    reasons.push({
      component: 'outbox',
      status: 'degraded',
      message: `${outbox.count} event(s) not on Kafka yet, the oldest for ${Math.round((now - outbox.oldestCreatedAt) / 1000)} s (bound ${Math.round(bounds.maxOutboxAgeMs / 1000)} s)`,
    });
  }
  if (inputs.missingTopics !== undefined && inputs.missingTopics.length > 0) {
    reasons.push({ component: 'topics', status: 'degraded', message: `missing or truncated on the broker: ${inputs.missingTopics.join(', ')}; live state is being republished` });
  }
  if (inputs.acks !== 'connected' && inputs.acks !== 'disabled') {
    reasons.push({ component: 'acks', status: 'degraded', message: `the acks consumer is ${inputs.acks}: coverage and promotion gates do not advance` });
  }
  const status: ReadinessStatus = reasons.some((r) => r.status === 'failing') ? 'failing' : reasons.length > 0 ? 'degraded' : 'ok';
  return { status, reasons: [...reasons].sort((a, b) => (a.status === b.status ? 0 : a.status === 'failing' ? -1 : 1)) };
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.round(bytes / 1024)} KiB`;
}
