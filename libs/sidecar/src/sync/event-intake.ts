import { openSignedEventSync, precheckEventSignatures, type RevmeshEvent } from '@revmesh/contracts';
import type { TrustedSigners } from '../signers/trusted-signers';
import type { IncomingRecord } from '@revmesh/transport';
import type { SidecarLogger } from '../logging/logger';
import type { SidecarMetrics } from '../telemetry/sidecar-metrics';
import { rejection, type EventRejection, type EventTopicKind, type SidecarEventRejectionReason } from './event-rejection';
import type { KeySync } from './key-sync';
import type { RevocationSync } from './revocation-sync';
import type { SeenEventIds } from './seen-event-ids';
import type { Span } from '@opentelemetry/api';
import {
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_DESTINATION_PARTITION_ID,
  ATTR_MESSAGING_KAFKA_OFFSET,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  ATTR_SPAN_DENY_LIST_SIZE,
  ATTR_SPAN_EVENT_TYPE,
  ATTR_SPAN_INSTANCE_ID,
  ATTR_SPAN_KEY_SET_VERSION,
  ATTR_SPAN_KEY_STATE,
  ATTR_SPAN_KID,
  ATTR_SPAN_PROPAGATION_LATENCY_MS,
  ATTR_SPAN_REVOCATION_ID,
  ATTR_SPAN_TARGET_TYPE,
  SPAN_KEY_APPLY,
  SPAN_REVOCATION_APPLY,
} from '../telemetry/names';
import { withConsumerSpan } from '../telemetry/tracing';
import { SpanStatusCode } from '@opentelemetry/api';

export interface EventIntakeCounts {
  /** Records with a null value (compaction tombstones): nothing to apply. */
  readonly tombstones: number;
  /** Rejected events by reason, both topics together, e.g. `{ UNSIGNED: 1, REPLAY: 2 }`. */
  readonly rejectedEvents: Readonly<Partial<Record<SidecarEventRejectionReason, number>>>;
  /** Already-applied events read again after a topic went backwards ({@link EventIntake.rewound}): skipped, not counted as `REPLAY`. */
  readonly rereadAfterRewind: number;
}

export interface EventIntakeOptions {
  readonly trust: Pick<TrustedSigners, 'publicKeyFor' | 'revocationTrust'>;
  readonly seen: SeenEventIds;
  readonly revocations: RevocationSync;
  readonly keys: KeySync;
  readonly logger: SidecarLogger;
  readonly metrics: SidecarMetrics;
  /** For span attributes. */
  readonly instanceId: string;
  readonly clock: () => number;
  readonly denyListSize: () => number;
  /** Called after each applied event, with its record (acks, staleness). Must not throw. */
  readonly onApplied: (event: RevmeshEvent, record: IncomingRecord, topic: EventTopicKind) => void;
  /** True while the sidecar catches up at start: only then are fetched batches checked ahead ({@link EventIntake.prefetch}). Default: never. */
  readonly catchingUp?: () => boolean;
}

/**
 * The one door every record goes through: signature against the trusted signers
 * (`openSignedEventSync`), then replay, then the event's own checks, then application. A record that
 * fails any step is counted by reason, logged at warn with where it sits in the topic, and never
 * applied; the reader goes on with the next one.
 */
export interface EventIntake {
  /** Handles one record of `topic`. Never throws. */
  handle(topic: EventTopicKind, record: IncomingRecord): Promise<void>;
  /**
   * While catching up, starts the signature checks of a whole fetched batch at once on the libuv
   * pool (contracts' `precheckEventSignatures`), so a replay checks many records in parallel while
   * `handle` still opens and applies them one by one, in order (taking each precheck's answer).
   * Live records are checked on the calling thread as they come. Never throws.
   */
  prefetch(topic: EventTopicKind, records: readonly IncomingRecord[]): void;
  /**
   * Told that a partition's offsets went backwards (topic recreated, or a broker lost its data) and
   * the reader reads it again from its beginning: events already applied found again there, up to
   * `upToOffset` (the last offset read before), are expected. They are skipped, counted apart and
   * logged once, at warn, when the partition gets past `upToOffset`, not one warning each as a replay.
   */
  rewound(topic: EventTopicKind, partition: number, upToOffset: string): void;
  counts(): EventIntakeCounts;
}

type Applied = { readonly ok: true } | EventRejection;

const APPLIED: Applied = { ok: true };
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const where = (record: IncomingRecord) => ({ topic: record.topic, partition: record.partition, offset: record.offset, key: record.key });

export function createEventIntake(options: EventIntakeOptions): EventIntake {
  const { trust, seen, revocations, keys, logger, metrics } = options;
  const rejected: Partial<Record<SidecarEventRejectionReason, number>> = {};
  /** Signature checks started ahead by `prefetch`, by record (dropped with the record). */
  const prechecks = new WeakMap<IncomingRecord, Promise<void>>();
  let tombstones = 0;
  let rereadAfterRewind = 0;
  /** Per topic and partition, after a rewind: the last offset read before it, and the events found again so far. */
  const rewinds = new Map<string, { readonly upToOffset: bigint; reread: number }>();
  const rewindKey = (topic: EventTopicKind, partition: number) => `${topic}:${partition}`;
  /** The rewind window the record falls in, if any; logs the window's summary once the record is past it. */
  const rewindOf = (topic: EventTopicKind, record: IncomingRecord): { reread: number } | undefined => {
    const key = rewindKey(topic, record.partition);
    const rewind = rewinds.get(key);
    if (rewind === undefined) return undefined;
    if (BigInt(record.offset) <= rewind.upToOffset) return rewind;
    rewinds.delete(key);
    logger.warn('revmesh sidecar read its topic again after its offsets went backwards; events already applied were skipped', {
      topic: record.topic,
      partition: record.partition,
      up_to_offset: rewind.upToOffset.toString(),
      already_applied: rewind.reread,
    });
    return undefined;
  };

  const reject = (topic: EventTopicKind, record: IncomingRecord, refusal: EventRejection, extra: Record<string, unknown> = {}): void => {
    rejected[refusal.reason] = (rejected[refusal.reason] ?? 0) + 1;
    metrics.eventRejected(refusal.reason, topic);
    logger.warn('revmesh sidecar rejected an event; it was not applied', { reason: refusal.reason, detail: refusal.message, ...extra, ...where(record) });
  };

  const misplaced = (event: RevmeshEvent, topic: EventTopicKind): Applied =>
    rejection('UNKNOWN_TYPE', `a ${event.type} event does not belong on the ${topic} topic`);

  // One route per topic and event type: a type added to contracts without a route here fails to compile.
  const apply = async (topic: EventTopicKind, event: RevmeshEvent, signerKid: string): Promise<Applied> => {
    switch (event.type) {
      case 'revocation.issued':
        if (topic !== 'revocations') return misplaced(event, topic);
        revocations.apply(event);
        return APPLIED;
      case 'key.state-changed':
        return topic === 'keys' ? keys.applyKeyEvent(event) : misplaced(event, topic);
      case 'event-signer.announced':
      case 'event-signer.withdrawn':
        return topic === 'keys' ? keys.applySignerEvent(event, signerKid) : misplaced(event, topic);
      case 'kill-switch.changed':
        return topic === 'keys' ? keys.applyKillSwitchEvent(event) : misplaced(event, topic);
      case 'authority.heartbeat':
        // Nothing to apply: being signed and fresh is the point (it refreshes the staleness of
        // its topic via onApplied). The authority beats on both topics sidecars read.
        return APPLIED;
      case 'alert.raised':
      case 'audit.recorded':
      case 'audit.batch-recorded':
        // Alerts and audit entries go to their own topics, never to the topics sidecars read.
        return misplaced(event, topic);
    }
  };

  const spanAttributes = (event: RevmeshEvent, record: IncomingRecord) => ({
    [ATTR_MESSAGING_SYSTEM]: 'kafka',
    [ATTR_MESSAGING_DESTINATION_NAME]: record.topic,
    [ATTR_MESSAGING_DESTINATION_PARTITION_ID]: String(record.partition),
    [ATTR_MESSAGING_KAFKA_OFFSET]: record.offset,
    [ATTR_MESSAGING_MESSAGE_ID]: event.id,
    [ATTR_MESSAGING_OPERATION_TYPE]: 'process',
    [ATTR_MESSAGING_OPERATION_NAME]: 'process',
    [ATTR_SPAN_EVENT_TYPE]: event.type,
    [ATTR_SPAN_INSTANCE_ID]: options.instanceId,
  });

  const finishSpan = (span: Span, event: RevmeshEvent, outcome: Applied): void => {
    span.setAttribute(ATTR_SPAN_PROPAGATION_LATENCY_MS, Math.max(0, options.clock() - event.issued_at));
    span.setAttribute(ATTR_SPAN_DENY_LIST_SIZE, options.denyListSize());
    if (event.type === 'revocation.issued') {
      span.setAttribute(ATTR_SPAN_REVOCATION_ID, event.payload.revocation_id);
      span.setAttribute(ATTR_SPAN_TARGET_TYPE, event.payload.target.type);
    } else if (event.type === 'key.state-changed') {
      span.setAttribute(ATTR_SPAN_KID, event.payload.kid);
      span.setAttribute(ATTR_SPAN_KEY_STATE, event.payload.state);
      span.setAttribute(ATTR_SPAN_KEY_SET_VERSION, event.payload.key_set_version);
    }
    if (!outcome.ok) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.reason });
  };

  return {
    prefetch(topic, records) {
      if (options.catchingUp?.() !== true) return;
      const started = precheckEventSignatures(
        records.map((record) => record.value),
        topic === 'revocations' ? trust.revocationTrust : trust,
      );
      records.forEach((record, i) => prechecks.set(record, started[i]!));
    },
    async handle(topic, record) {
      const precheck = prechecks.get(record);
      if (precheck !== undefined) {
        prechecks.delete(record);
        await precheck;
      }
      const rewind = rewinds.size === 0 ? undefined : rewindOf(topic, record);
      if (record.value === null) {
        tombstones++;
        logger.debug('revmesh sidecar ignored a tombstone', where(record));
        return;
      }
      try {
        const opened = openSignedEventSync(record.value, topic === 'revocations' ? trust.revocationTrust : trust);
        if (!opened.ok) {
          reject(topic, record, rejection(opened.reason, opened.message), opened.signerKid === undefined ? {} : { signer_kid: opened.signerKid });
          return;
        }
        const { event, signerKid } = opened;
        const context = { event_id: event.id, event_type: event.type, signer_kid: signerKid };
        // After the signature: a forged record reusing a real id is counted as forged, not as a replay.
        if (seen.has(event.id)) {
          if (rewind !== undefined) {
            rewind.reread++;
            rereadAfterRewind++;
            logger.debug('revmesh sidecar skipped an event already applied, read again after a rewind', { ...context, ...where(record) });
            return;
          }
          reject(topic, record, rejection('REPLAY', `event ${event.id} was already applied`), context);
          return;
        }
        // Revocation and key events get a span, child of the publisher's (W3C context in the headers);
        // authority heartbeats do not (one every few seconds would drown the traces).
        const spanName = event.type === 'revocation.issued' ? SPAN_REVOCATION_APPLY : event.type === 'authority.heartbeat' ? undefined : SPAN_KEY_APPLY;
        const outcome =
          spanName === undefined
            ? await apply(topic, event, signerKid)
            : await withConsumerSpan(spanName, record.headers, spanAttributes(event, record), async (span) => {
                const result = await apply(topic, event, signerKid);
                finishSpan(span, event, result);
                return result;
              });
        if (!outcome.ok) {
          reject(topic, record, outcome, context);
          return;
        }
        seen.add(event.id);
        options.onApplied(event, record, topic);
      } catch (error) {
        reject(topic, record, rejection('HANDLER_ERROR', messageOf(error)));
        logger.error('revmesh sidecar failed to apply an event', { reason: 'HANDLER_ERROR', error: messageOf(error), ...where(record) });
      }
    },
    rewound(topic, partition, upToOffset) {
      const key = rewindKey(topic, partition);
      // A second rewind before the first window was passed: the window reaches the furthest offset read.
      const previous = rewinds.get(key);
      const upTo = BigInt(upToOffset);
      rewinds.set(key, { upToOffset: previous !== undefined && previous.upToOffset > upTo ? previous.upToOffset : upTo, reread: previous?.reread ?? 0 });
    },
    counts: () => ({ tombstones, rejectedEvents: { ...rejected }, rereadAfterRewind }),
  };
}
