import { randomUUID } from 'node:crypto';
import { AUDIT_RECORDED, auditRecordKey, TRACEPARENT_HEADER, type AuditEntry, type AuditRecordedEvent, type EventSigningKey } from '@revmesh/contracts';
import { signForOutbox } from '../events/sign-for-outbox';
import { logErrorFields } from '../logging/log-fields';
import { silentLogger, type AuthorityLogger } from '../logging/logger';
import type { OutboxStore } from '../outbox/outbox-store';
import type { AuthorityStore } from '../store/store';
import type { Clock } from '../time/clock';
import { createTraceparent } from '../tracing/traceparent';
import type { AuditLogStore } from './audit-store';

/** The `audit.recorded` event of an entry. */
export function auditRecordedEvent(entry: AuditEntry, now: number): AuditRecordedEvent {
  return { id: randomUUID(), type: AUDIT_RECORDED, version: 1, issued_at: now, actor: entry.actor, payload: entry };
}

/** Copies audit entries, signed, into the outbox for the audit topic (a SIEM's off-host copy). */
export interface AuditShipper {
  /** Ships everything unshipped now (in the background; safe to call often). */
  notify(): void;
  /** Ships everything unshipped and resolves when done. @returns how many entries were shipped. */
  flush(): Promise<number>;
  /** No more shipping (call before closing the store). */
  stop(): void;
}

export interface AuditShipperOptions {
  readonly store: AuthorityStore;
  readonly log: AuditLogStore;
  readonly outbox: OutboxStore;
  /** `topicNames(prefix).audit`. */
  readonly topic: string;
  /** The current event signer: every entry is signed as `audit.recorded` before it enters the outbox. */
  readonly signer: { readonly current: EventSigningKey };
  readonly clock: Clock;
  readonly logger?: AuthorityLogger;
  /** After each committed batch (wakes the relay). */
  readonly onCommitted?: () => void;
}

const BATCH = 100;

/**
 * Signs unshipped entries (async: jose), then in one transaction appends them to the outbox and
 * marks them shipped, so the relay publishes each exactly once, in `seq` order. One drain at a
 * time; a notification during a drain makes it go round again. A failure is logged and retried
 * at the next notification (entries stay unshipped, nothing is lost).
 */
export function createAuditShipper(options: AuditShipperOptions): AuditShipper {
  const { store, log, outbox, topic, clock } = options;
  const logger = options.logger ?? silentLogger;
  let running: Promise<number> | undefined;
  let again = false;
  let stopped = false;

  async function drainOnce(): Promise<number> {
    let shipped = 0;
    for (;;) {
      if (stopped) return shipped;
      const entries = log.unshipped(BATCH);
      if (entries.length === 0) return shipped;
      const now = clock.now();
      const signed = await Promise.all(
        entries.map(async (entry) => {
          const event = auditRecordedEvent(entry, now);
          return { entry, event, value: await signForOutbox(event, options.signer.current) };
        }),
      );
      if (stopped) return shipped;
      // No fsync of its own: a power cut losing this commit leaves the entries unshipped, and they
      // are shipped (again) by the next drain; the entries themselves were committed durably.
      store.relaxedTransaction(() => {
        for (const { entry, event, value } of signed) {
          // Only the drain marks entries, one at a time: a false here means purged meanwhile.
          if (!log.markShipped(entry.seq, now)) continue;
          outbox.append(
            { eventId: event.id, record: { topic, key: auditRecordKey(entry.seq), value, headers: { [TRACEPARENT_HEADER]: createTraceparent() } } },
            now,
          );
          shipped += 1;
        }
      });
      options.onCommitted?.();
      if (entries.length < BATCH) return shipped;
    }
  }

  async function drain(): Promise<number> {
    let total = 0;
    do {
      again = false;
      total += await drainOnce();
    } while (again && !stopped);
    return total;
  }

  function start(): Promise<number> {
    if (running !== undefined) {
      again = true;
      return running;
    }
    running = drain().finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    notify() {
      if (stopped) return;
      start().catch((error: unknown) => logger.error('audit: could not ship entries to the audit topic', logErrorFields(error)));
    },
    async flush() {
      if (running !== undefined) await running.catch(() => undefined);
      return start();
    },
    stop() {
      stopped = true;
    },
  };
}
