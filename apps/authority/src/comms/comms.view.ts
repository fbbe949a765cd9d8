import { COMMS_AUDIENCES, type CommsMessage, type CommsMessageWithDeliveries, type CommsPreview } from '@revmesh/authority-core';
import { z } from 'zod';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** `GET /v1/incidents/:id/comms/preview`: the exact text that would be sent now. */
export const commsPreviewSchema = z.object({
  incident_id: z.string(),
  audience: z.enum(COMMS_AUDIENCES),
  text: z.string(),
  /** Hex SHA-256 of `text` (UTF-8); send it back as `expected_sha256` to send exactly this text. */
  text_sha256: z.string(),
  webhooks: z.array(z.string()),
  needs_approval: z.boolean(),
});
export type CommsPreviewView = z.output<typeof commsPreviewSchema>;

const deliverySchema = z.object({
  webhook: z.string(),
  state: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  /** Epoch ms of the next attempt (state pending). */
  next_attempt_at: z.number().int(),
  last_status: z.number().int().nullable(),
  last_error: z.string().nullable(),
  /** Epoch ms it was delivered or given up. */
  finished_at: z.number().int().nullable(),
});

/** A message as sent, with its exact text. Times: epoch ms. */
export const commsMessageSchema = z.object({
  id: z.string(),
  incident_id: z.string(),
  audience: z.enum(COMMS_AUDIENCES),
  text: z.string(),
  text_sha256: z.string(),
  sent_by: z.string(),
  approved_by: z.string().nullable(),
  created_at: z.number().int(),
});
export type CommsMessageView = z.output<typeof commsMessageSchema>;

/** `POST /v1/incidents/:id/comms` (201). */
export const commsSentSchema = z.object({ message: commsMessageSchema });

/** `GET /v1/incidents/:id/comms`: oldest first, each with its deliveries. */
export const commsListSchema = z.object({ messages: z.array(commsMessageSchema.extend({ deliveries: z.array(deliverySchema) })) });
export type CommsListView = z.output<typeof commsListSchema>;

export function commsPreviewView(p: CommsPreview): CommsPreviewView {
  return { incident_id: p.incidentId, audience: p.audience, text: p.text, text_sha256: p.textSha256, webhooks: [...p.webhooks], needs_approval: p.needsApproval };
}

export function commsMessageView(m: CommsMessage): CommsMessageView {
  return {
    id: m.id,
    incident_id: m.incidentId,
    audience: m.audience,
    text: m.text,
    text_sha256: m.textSha256,
    sent_by: m.sentBy,
    approved_by: m.approvedBy,
    created_at: m.createdAt,
  };
}

export function commsListView(messages: readonly CommsMessageWithDeliveries[]): CommsListView {
  return {
    messages: messages.map((m) => ({
      ...commsMessageView(m),
      deliveries: m.deliveries.map((d) => ({
        webhook: d.webhook,
        state: d.state,
        attempts: d.attempts,
        next_attempt_at: d.nextAttemptAt,
        last_status: d.lastStatus,
        last_error: d.lastError,
        finished_at: d.finishedAt,
      })),
    })),
  };
}

// The views are checked against the core's types: a member added there breaks the build here.
const previewChecked: Same<keyof CommsPreviewView, 'incident_id' | 'audience' | 'text' | 'text_sha256' | 'webhooks' | 'needs_approval'> = true;
const messageChecked: Same<CommsMessageView['audience'], CommsMessage['audience']> = true;
/** Referenced so the compile-time checks are not unused. */
export const COMMS_VIEWS_CHECKED = previewChecked && messageChecked;
