import { TRACEPARENT_HEADER, type RevmeshEvent } from '@revmesh/contracts';
import type { EventSignerRing } from '../event-signers/event-signer-ring';
import type { OutboxStore } from '../outbox/outbox-store';
import { translateStoreError, type AuthorityStore } from '../store/store';
import { timeOrderedId } from '../store/time-ordered-id';
import { context, trace, type Span } from '@opentelemetry/api';
import { ATTR, AUTHORITY_TRACER, SPAN } from '../telemetry/names';
import { activeTraceparent } from '../telemetry/trace-context';
import type { Clock, Milliseconds } from '../time/clock';
import { createMutex } from '../util/mutex';
import { signForOutbox } from './sign-for-outbox';

/** What an event of the keys topic is about. */
export type KeyEventSubject = 'key' | 'event-signer' | 'kill-switch';

/** An event to publish on the keys topic, before it has a version. */
export interface KeyEventDraft {
  readonly subject: KeyEventSubject;
  readonly kid: string;
  /** The key's new state, or `announced` / `withdrawn` for a signer event. */
  readonly state: string;
  readonly rotationId: string | null;
  /** Partition key on the keys topic (`keyEventKey` / `eventSignerKey`). */
  readonly recordKey: string;
  /** Builds the event once its id, version and time are known. */
  build(meta: { readonly id: string; readonly version: number; readonly now: Milliseconds }): RevmeshEvent;
}

/** A key or signer event as recorded (table `key_events`), with its publication time. */
export interface KeyEventRecord {
  readonly eventId: string;
  readonly version: number;
  readonly subject: KeyEventSubject;
  readonly kid: string;
  readonly state: string;
  readonly signerKid: string;
  readonly rotationId: string | null;
  readonly createdAt: Milliseconds;
  /** When the broker acknowledged it; null while it waits in the outbox. */
  readonly publishedAt: Milliseconds | null;
}

/**
 * The single writer of the keys topic. Every key and signer change goes through
 * {@link KeyEventLog.exclusive} and {@link KeyEventLog.commit}, which is what makes
 * `key_set_version` one gap-free, strictly increasing sequence across all of them.
 */
export interface KeyEventLog {
  /** Runs `section` while no other key-set change runs. Not re-entrant. */
  exclusive<T>(section: () => Promise<T>): Promise<T>;
  /** The last committed `key_set_version` (0 before any event). */
  version(): number;
  /**
   * Inside {@link exclusive}: numbers the drafts from version()+1, signs them with the current
   * event signer, then in ONE transaction runs `apply` (the state change), appends the signed
   * records to the outbox and to `key_events`, and advances the version. All or nothing.
   */
  commit(
    drafts: readonly KeyEventDraft[],
    apply: (now: Milliseconds, events: readonly KeyEventRecord[]) => void,
  ): Promise<readonly KeyEventRecord[]>;
  /** The newest event about `kid` (optionally: in `state`). */
  latest(kid: string, state?: string): KeyEventRecord | undefined;
  /** Events tagged with a rotation, oldest first. */
  ofRotation(rotationId: string): KeyEventRecord[];
  get(eventId: string): KeyEventRecord | undefined;
}

export interface KeyEventLogOptions {
  readonly store: AuthorityStore;
  readonly outbox: OutboxStore;
  readonly signers: Pick<EventSignerRing, 'current'>;
  /** `topicNames(prefix).keys`. */
  readonly topic: string;
  readonly clock: Clock;
  /** Called after each commit (wakes the outbox relay). */
  readonly onCommitted?: () => void;
}

interface Row {
  event_id: string;
  key_set_version: number;
  subject: KeyEventSubject;
  kid: string;
  state: string;
  signer_kid: string;
  rotation_id: string | null;
  created_at: number;
  published_at: number | null;
}

function toRecord(row: Row): KeyEventRecord {
  return {
    eventId: row.event_id,
    version: row.key_set_version,
    subject: row.subject,
    kid: row.kid,
    state: row.state,
    signerKid: row.signer_kid,
    rotationId: row.rotation_id,
    createdAt: row.created_at,
    publishedAt: row.published_at,
  };
}

const SELECT = `SELECT k.event_id, k.key_set_version, k.subject, k.kid, k.state, k.signer_kid, k.rotation_id, k.created_at,
                       o.published_at
                FROM key_events k LEFT JOIN outbox o ON o.event_id = k.event_id`;

/** Creates the key event log. */
function activeTraceparentIn(span: Span): string {
  return context.with(trace.setSpan(context.active(), span), () => activeTraceparent());
}

export function createKeyEventLog(options: KeyEventLogOptions): KeyEventLog {
  const { store, outbox, signers, topic, clock } = options;
  const db = store.db;
  const mutex = createMutex();
  const readVersion = db.prepare<[], { version: number }>('SELECT version FROM key_set WHERE id = 1');
  const writeVersion = db.prepare('UPDATE key_set SET version = ? WHERE id = 1 AND version = ?');
  const insertEvent = db.prepare(
    `INSERT INTO key_events (event_id, key_set_version, subject, kid, state, signer_kid, rotation_id, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const latestAny = db.prepare<[string], Row>(`${SELECT} WHERE k.kid = ? ORDER BY k.key_set_version DESC LIMIT 1`);
  const latestIn = db.prepare<[string, string], Row>(
    `${SELECT} WHERE k.kid = ? AND k.state = ? ORDER BY k.key_set_version DESC LIMIT 1`,
  );
  const byRotation = db.prepare<[string], Row>(`${SELECT} WHERE k.rotation_id = ? ORDER BY k.key_set_version`);
  const byId = db.prepare<[string], Row>(`${SELECT} WHERE k.event_id = ?`);
  const read = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      throw translateStoreError(error, 'cannot read key events');
    }
  };
  const version = (): number => read(() => readVersion.get()?.version ?? 0);

  return {
    exclusive: (section) => mutex.run(section),
    version,

    async commit(drafts, apply) {
      const base = version();
      const now = clock.now();
      const signer = signers.current;
      const prepared = await Promise.all(
        drafts.map(async (draft, i) => {
          const id = timeOrderedId();
          const event = draft.build({ id, version: base + i + 1, now });
          return { draft, id, version: base + i + 1, value: await signForOutbox(event, signer) };
        }),
      );
      const records: KeyEventRecord[] = prepared.map(({ draft, id, version: v }) => ({
        eventId: id,
        version: v,
        subject: draft.subject,
        kid: draft.kid,
        state: draft.state,
        signerKid: signer.kid,
        rotationId: draft.rotationId,
        createdAt: now,
        publishedAt: null,
      }));
      const span = trace.getTracer(AUTHORITY_TRACER).startSpan(SPAN.keyEventsWrite, {
        attributes: { [ATTR.eventCount]: prepared.length, [ATTR.keySetVersion]: base + prepared.length },
      });
      // Rows store this span's context (itself under the caller's span, if any): the relay's
      // publish spans continue it.
      const traceparent = activeTraceparentIn(span);
      try {
      store.transaction(() => {
        // Guards the invariant even if a caller forgot exclusive(): never two events per version.
        if (prepared.length > 0 && writeVersion.run(base + prepared.length, base).changes !== 1) {
          throw new TypeError('key_set_version moved during a key-set change: call commit() inside exclusive()');
        }
        apply(now, records);
        for (const { draft, id, version: v, value } of prepared) {
          outbox.append(
            { eventId: id, record: { topic, key: draft.recordKey, value, headers: { [TRACEPARENT_HEADER]: traceparent } } },
            now,
          );
          insertEvent.run(id, v, draft.subject, draft.kid, draft.state, signer.kid, draft.rotationId, now);
        }
      });
      } finally {
        span.end();
      }
      if (prepared.length > 0) options.onCommitted?.();
      return records;
    },

    latest: (kid, state) =>
      read(() => {
        const row = state === undefined ? latestAny.get(kid) : latestIn.get(kid, state);
        return row === undefined ? undefined : toRecord(row);
      }),
    ofRotation: (rotationId) => read(() => byRotation.all(rotationId).map(toRecord)),
    get: (eventId) =>
      read(() => {
        const row = byId.get(eventId);
        return row === undefined ? undefined : toRecord(row);
      }),
  };
}

