import { translateStoreError, type AuthorityStore } from '../store/store';
import type { Milliseconds } from '../time/clock';
import type { CommsAudience } from './comms-policy';

/** Where one delivery of a message stands. */
export type CommsDeliveryState = 'pending' | 'delivered' | 'failed';

/** One message to one webhook. */
export interface CommsDelivery {
  readonly seq: number;
  readonly messageId: string;
  /** The webhook's name in the policy. */
  readonly webhook: string;
  readonly state: CommsDeliveryState;
  readonly attempts: number;
  /** When the next attempt is due (state `pending`). */
  readonly nextAttemptAt: Milliseconds;
  /** HTTP status of the last answer, null when none came. */
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  /** When it was delivered or given up. */
  readonly finishedAt: Milliseconds | null;
}

/** A message as sent: its exact text, who sent it, who approved it (customers). */
export interface CommsMessage {
  readonly id: string;
  readonly incidentId: string;
  readonly audience: CommsAudience;
  readonly text: string;
  readonly textSha256: string;
  readonly sentBy: string;
  readonly approvedBy: string | null;
  readonly createdAt: Milliseconds;
}

export interface CommsMessageWithDeliveries extends CommsMessage {
  readonly deliveries: readonly CommsDelivery[];
}

/**
 * The messages of incidents and their durable delivery outbox (`comms_messages`,
 * `comms_deliveries`): a message and one pending delivery per webhook are written in one
 * transaction, before anything is sent, so a crash or a webhook that is down loses nothing.
 */
export interface CommsStore {
  /** Call inside a store transaction. */
  insert(message: CommsMessage, webhooks: readonly string[], now: Milliseconds): void;
  get(id: string): CommsMessage | undefined;
  /** An incident's messages, oldest first, each with its deliveries. */
  listByIncident(incidentId: string): CommsMessageWithDeliveries[];
  /** Pending deliveries due at `now`, the longest waiting first. */
  due(now: Milliseconds, limit: number): CommsDelivery[];
  /** The earliest `nextAttemptAt` of a pending delivery, if any. */
  nextDueAt(): Milliseconds | undefined;
  /** An attempt failed and will be retried at `nextAttemptAt`. */
  reschedule(seq: number, attempt: { readonly nextAttemptAt: Milliseconds; readonly status: number | null; readonly error: string }): void;
  /** Delivered, or given up for good. Only a pending delivery changes. @returns whether it did. */
  finish(seq: number, outcome: { readonly state: 'delivered' | 'failed'; readonly status: number | null; readonly error: string | null; readonly at: Milliseconds }): boolean;
}

interface MessageRow {
  id: string;
  incident_id: string;
  audience: CommsAudience;
  text: string;
  text_sha256: string;
  sent_by: string;
  approved_by: string | null;
  created_at: number;
}

interface DeliveryRow {
  seq: number;
  message_id: string;
  webhook: string;
  state: CommsDeliveryState;
  attempts: number;
  next_attempt_at: number;
  last_status: number | null;
  last_error: string | null;
  finished_at: number | null;
}

const toMessage = (r: MessageRow): CommsMessage => ({
  id: r.id,
  incidentId: r.incident_id,
  audience: r.audience,
  text: r.text,
  textSha256: r.text_sha256,
  sentBy: r.sent_by,
  approvedBy: r.approved_by,
  createdAt: r.created_at,
});

const toDelivery = (r: DeliveryRow): CommsDelivery => ({
  seq: r.seq,
  messageId: r.message_id,
  webhook: r.webhook,
  state: r.state,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastStatus: r.last_status,
  lastError: r.last_error,
  finishedAt: r.finished_at,
});

export function createCommsStore(store: AuthorityStore): CommsStore {
  const db = store.db;
  const insertMessage = db.prepare(
    `INSERT INTO comms_messages (id, incident_id, audience, text, text_sha256, sent_by, approved_by, created_at)
     VALUES (@id, @incident_id, @audience, @text, @text_sha256, @sent_by, @approved_by, @created_at)`,
  );
  const insertDelivery = db.prepare<[string, string, number]>(`INSERT INTO comms_deliveries (message_id, webhook, state, next_attempt_at) VALUES (?, ?, 'pending', ?)`);
  const byId = db.prepare<[string], MessageRow>('SELECT * FROM comms_messages WHERE id = ?');
  const byIncident = db.prepare<[string], MessageRow>('SELECT * FROM comms_messages WHERE incident_id = ? ORDER BY created_at, id');
  const deliveriesOf = db.prepare<[string], DeliveryRow>(
    'SELECT d.* FROM comms_deliveries d JOIN comms_messages m ON m.id = d.message_id WHERE m.incident_id = ? ORDER BY d.seq',
  );
  const dueRows = db.prepare<[number, number], DeliveryRow>(`SELECT * FROM comms_deliveries WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, seq LIMIT ?`);
  const nextDue = db.prepare<[], { at: number | null }>(`SELECT MIN(next_attempt_at) AS at FROM comms_deliveries WHERE state = 'pending'`);
  const rescheduleRow = db.prepare(
    `UPDATE comms_deliveries SET attempts = attempts + 1, next_attempt_at = @next, last_status = @status, last_error = @error WHERE seq = @seq AND state = 'pending'`,
  );
  const finishRow = db.prepare(
    `UPDATE comms_deliveries SET state = @state, attempts = attempts + 1, last_status = @status, last_error = @error, finished_at = @at WHERE seq = @seq AND state = 'pending'`,
  );

  const read = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      throw translateStoreError(error, 'cannot read incident messages');
    }
  };

  return {
    insert(message, webhooks, now) {
      insertMessage.run({
        id: message.id,
        incident_id: message.incidentId,
        audience: message.audience,
        text: message.text,
        text_sha256: message.textSha256,
        sent_by: message.sentBy,
        approved_by: message.approvedBy,
        created_at: message.createdAt,
      });
      for (const webhook of webhooks) insertDelivery.run(message.id, webhook, now);
    },
    get: (id) => read(() => {
      const row = byId.get(id);
      return row === undefined ? undefined : toMessage(row);
    }),
    listByIncident(incidentId) {
      return read(() => {
        const deliveries = deliveriesOf.all(incidentId).map(toDelivery);
        return byIncident.all(incidentId).map((m) => ({ ...toMessage(m), deliveries: deliveries.filter((d) => d.messageId === m.id) }));
      });
    },
    due: (now, limit) => read(() => dueRows.all(now, limit).map(toDelivery)),
    nextDueAt: () => read(() => nextDue.get()?.at ?? undefined),
    reschedule(seq, attempt) {
      rescheduleRow.run({ seq, next: attempt.nextAttemptAt, status: attempt.status, error: attempt.error });
    },
    finish(seq, outcome) {
      return finishRow.run({ seq, state: outcome.state, status: outcome.status, error: outcome.error, at: outcome.at }).changes === 1;
    },
  };
}
