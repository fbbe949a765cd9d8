import {
  AUDIT_BATCH_RECORDED,
  AUDIT_RECORDED,
  auditRecordKey,
  MAX_AUDIT_BATCH_ENTRIES,
  TRACEPARENT_HEADER,
  type AuditBatchRecordedEvent,
  type AuditEntry,
  type AuditRecordedEvent,
  type EventSigningKey,
} from '@revmesh/contracts';
import { signForOutbox } from '../events/sign-for-outbox';
import { logErrorFields } from '../logging/log-fields';
import { silentLogger, type AuthorityLogger } from '../logging/logger';
import type { OutboxStore } from '../outbox/outbox-store';
import type { AuthorityStore } from '../store/store';
import { timeOrderedId } from '../store/time-ordered-id';
import type { Clock } from '../time/clock';
import { createTraceparent } from '../tracing/traceparent';
import type { AuditLogStore } from './audit-store';

/** The `audit.recorded` event of an entry. */
export function auditRecordedEvent(entry: AuditEntry, now: number): AuditRecordedEvent {
  return { id: timeOrderedId(), type: AUDIT_RECORDED, version: 1, issued_at: now, actor: entry.actor, payload: entry };
}

/** The `audit.batch-recorded` event of consecutive entries (the shipper is its actor, each entry names its own). */
export function auditBatchRecordedEvent(entries: readonly AuditEntry[], now: number): AuditBatchRecordedEvent {
  return { id: timeOrderedId(), type: AUDIT_BATCH_RECORDED, version: 1, issued_at: now, actor: { kind: 'system', id: 'audit-shipper' }, payload: { entries: [...entries] } };
}

/**
 * Bytes of entries (as JSON) one record carries at most: the signed event must stay under the
 * event size limit readers enforce (contracts' MAX_EVENT_BYTES, 64 KiB) with room for its envelope.
 */
const RECORD_ENTRY_BYTES = 48 * 1024;

/** Splits entries (in seq order) into records: as many consecutive entries as fit one. */
export function shippingRecords(entries: readonly AuditEntry[]): AuditEntry[][] {
  const records: AuditEntry[][] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = Buffer.byteLength(JSON.stringify(entry));
    const last = records[records.length - 1];
    if (last === undefined || bytes + size > RECORD_ENTRY_BYTES || last.length >= MAX_AUDIT_BATCH_ENTRIES) {
      records.push([entry]);
      bytes = size;
    } else {
      last.push(entry);
      bytes += size;
    }
  }
  return records;
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
  /**
   * The current event signer. The entries waiting at once (typically those of one group commit)
   * are signed together as one `audit.batch-recorded` (a lone entry as `audit.recorded`).
   */
  readonly signer: { readonly current: EventSigningKey };
  readonly clock: Clock;
  readonly logger?: AuthorityLogger;
  /** After each committed batch (wakes the relay). */
  readonly onCommitted?: () => void;
}

const BATCH = 100;

/**
 * Signs unshipped entries (async: jose) with ONE signature per record of consecutive entries
 * (as many as fit an event; see {@link shippingRecords}), then in one transaction appends the
 * records to the outbox and marks the entries shipped, so the relay publishes each exactly once, in `seq` order. One drain at a
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
        shippingRecords(entries).map(async (record) => {
          const event = record.length === 1 ? auditRecordedEvent(record[0]!, now) : auditBatchRecordedEvent(record, now);
          return { record, event, value: await signForOutbox(event, options.signer.current) };
        }),
      );
      if (stopped) return shipped;
      // No fsync of its own: a power cut losing this commit leaves the entries unshipped, and they
      // are shipped (again) by the next drain; the entries themselves were committed durably.
      store.relaxedTransaction(() => {
        for (const { record, event, value } of signed) {
          // Only the drain marks entries: a false here means purged meanwhile.
          const marked = record.filter((entry) => log.markShipped(entry.seq, now)).length;
          if (marked === 0) continue;
          // Keyed by its last entry: the retention purge deletes a record once all its entries are purged.
          const key = auditRecordKey(record[record.length - 1]!.seq);
          outbox.append({ eventId: event.id, record: { topic, key, value, headers: { [TRACEPARENT_HEADER]: createTraceparent() } } }, now);
          shipped += marked;
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
