import { z } from 'zod';
import { DELIVERY_POLL, DELIVERY_PUSH } from '../set-types';
import { SsfRequestInvalidError, type SsfFieldError } from './transmitter-errors';

/**
 * The bodies of the stream management API (SSF 1.0 §8.1) and of the poll endpoint (RFC 8936
 * §2.4), validated strictly: an unknown member, a wrong type or an out-of-range value is a 400
 * naming the field, and nothing changes.
 */

/** Longest `description` kept; longer ones are refused rather than silently cut. */
export const MAX_DESCRIPTION_LENGTH = 256;
/** Most event types one stream may request. */
export const MAX_EVENTS_REQUESTED = 32;
/** Longest push URL. */
export const MAX_ENDPOINT_URL_LENGTH = 2048;
/** Longest `authorization_header` value. */
export const MAX_AUTHORIZATION_HEADER_LENGTH = 4096;
/** Longest verification `state`. */
export const MAX_STATE_LENGTH = 1024;
/** Most SETs one poll answers with, and most `ack` / `setErrs` entries in one poll (RFC 8936 lets the transmitter bound them). */
export const MAX_POLL_EVENTS = 1000;

/** Stream ids are UUIDs we generate; anything else cannot name a stream. */
const streamId = z.string().min(1, 'must not be empty').max(64, 'must be at most 64 characters');
const eventType = z.string().min(1, 'must not be empty').max(512, 'must be at most 512 characters');
const headerValue = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_AUTHORIZATION_HEADER_LENGTH, `must be at most ${MAX_AUTHORIZATION_HEADER_LENGTH} characters`)
  // A header value with CR/LF would split the push request; any other control character is refused by Node anyway.
  .regex(/^[\t\x20-\x7E\x80-\xFF]+$/, 'must be a single-line HTTP header value');

const deliverySchema = z.strictObject({
  method: z.enum([DELIVERY_PUSH, DELIVERY_POLL], { error: `must be ${DELIVERY_PUSH} (push) or ${DELIVERY_POLL} (poll)` }),
  endpoint_url: z.string().min(1, 'must not be empty').max(MAX_ENDPOINT_URL_LENGTH, `must be at most ${MAX_ENDPOINT_URL_LENGTH} characters`).optional(),
  authorization_header: headerValue.optional(),
});

/** Members the transmitter supplies: a request may repeat them, but only with their current value (SSF 1.0 §8.1.1.3). */
const transmitterSupplied = {
  stream_id: streamId,
  iss: z.string().optional(),
  aud: z.union([z.string(), z.array(z.string())]).optional(),
  events_supported: z.array(z.string()).optional(),
  events_delivered: z.array(z.string()).optional(),
  min_verification_interval: z.number().optional(),
  inactivity_timeout: z.number().optional(),
};

const receiverSupplied = {
  events_requested: z.array(eventType).min(1, 'must list at least one event type').max(MAX_EVENTS_REQUESTED, `must list at most ${MAX_EVENTS_REQUESTED} event types`).optional(),
  delivery: deliverySchema.optional(),
  description: z.string().max(MAX_DESCRIPTION_LENGTH, `must be at most ${MAX_DESCRIPTION_LENGTH} characters`).optional(),
};

/** `POST` to the configuration endpoint: the receiver-supplied members only. */
export const createStreamSchema = z.strictObject(receiverSupplied);
/** `PATCH` (members to change) and `PUT` (the full receiver-supplied set) of a stream. */
export const updateStreamSchema = z.strictObject({ ...receiverSupplied, ...transmitterSupplied });
/** `POST` to the status endpoint. */
export const updateStatusSchema = z.strictObject({
  stream_id: streamId,
  status: z.enum(['enabled', 'paused', 'disabled'], { error: 'must be enabled, paused or disabled' }),
  reason: z.string().max(MAX_DESCRIPTION_LENGTH, `must be at most ${MAX_DESCRIPTION_LENGTH} characters`).optional(),
});
/** `POST` to the verification endpoint. */
export const verificationSchema = z.strictObject({
  stream_id: streamId,
  state: z.string().max(MAX_STATE_LENGTH, `must be at most ${MAX_STATE_LENGTH} characters`).optional(),
});
/** A poll request (RFC 8936 §2.4). Every member is optional: `{}` polls with the defaults. */
export const pollSchema = z.strictObject({
  maxEvents: z.number().int('must be an integer').min(0, 'must be 0 or more').max(MAX_POLL_EVENTS, `must be at most ${MAX_POLL_EVENTS}`).optional(),
  returnImmediately: z.boolean().optional(),
  ack: z.array(z.string().min(1).max(256)).max(MAX_POLL_EVENTS, `must list at most ${MAX_POLL_EVENTS} jti`).optional(),
  setErrs: z
    .record(z.string().min(1).max(256), z.strictObject({ err: z.string().min(1).max(64), description: z.string().max(1024) }))
    .refine((errs) => Object.keys(errs).length <= MAX_POLL_EVENTS, `must hold at most ${MAX_POLL_EVENTS} entries`)
    .optional(),
});

export type CreateStreamRequest = z.infer<typeof createStreamSchema>;
export type UpdateStreamRequest = z.infer<typeof updateStreamSchema>;
export type UpdateStatusRequest = z.infer<typeof updateStatusSchema>;
export type VerificationRequest = z.infer<typeof verificationSchema>;
export type PollRequest = z.infer<typeof pollSchema>;

/**
 * Parses `body` with `schema`.
 * @throws {SsfRequestInvalidError} listing every invalid field.
 */
export function parseSsfRequest<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SsfRequestInvalidError(`${what}: the body must be a JSON object`);
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const errors: SsfFieldError[] = result.error.issues.map((issue) => ({
    field: issue.path.length === 0 ? '(body)' : issue.path.map(String).join('.'),
    message: issue.code === 'unrecognized_keys' ? `unknown member(s): ${issue.keys.join(', ')}` : issue.message,
  }));
  throw new SsfRequestInvalidError(`${what}: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`, errors);
}
