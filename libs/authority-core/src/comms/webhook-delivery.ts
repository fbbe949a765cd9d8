import { createHmac } from 'node:crypto';
import type { Milliseconds } from '../time/clock';
import type { CommsWebhook, CommsWebhookKind } from './comms-policy';

/** Prefix of a signing secret, as Standard Webhooks writes them: `whsec_` + base64 of the key bytes. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** Shortest signing key, bytes. */
const MIN_SECRET_BYTES = 16;

/** Where a webhook's messages go, with its secrets read from the environment. */
export interface WebhookTarget {
  readonly name: string;
  readonly kind: CommsWebhookKind;
  readonly url: string;
  /** `signed` only: the HMAC key. */
  readonly secret?: Buffer;
}

/** Reads an environment variable of the authority (injected in tests). */
export type EnvReader = (name: string) => string | undefined;

/**
 * The key bytes of a `whsec_<base64>` secret, or undefined when it is not one (or shorter than
 * 16 bytes).
 */
export function parseWebhookSecret(value: string): Buffer | undefined {
  if (!value.startsWith(WEBHOOK_SECRET_PREFIX)) return undefined;
  const encoded = value.slice(WEBHOOK_SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return undefined;
  const key = Buffer.from(encoded, 'base64');
  return key.length >= MIN_SECRET_BYTES ? key : undefined;
}

/**
 * A webhook of the policy with its URL and secret read from the environment, or why it cannot
 * be used (a variable unset, a secret not in `whsec_` form). Never includes a secret's value.
 */
export function resolveWebhook(webhook: CommsWebhook, env: EnvReader): WebhookTarget | { readonly unusable: string } {
  const url = webhook.url ?? (webhook.urlEnv === undefined ? undefined : env(webhook.urlEnv));
  if (url === undefined || url === '') return { unusable: `webhook ${webhook.name}: its URL variable ${webhook.urlEnv ?? '(none)'} is not set in the authority's environment` };
  if (!/^https?:\/\//.test(url)) return { unusable: `webhook ${webhook.name}: the URL in ${webhook.urlEnv ?? 'url'} must be an http(s) URL` };
  if (webhook.kind === 'slack') return { name: webhook.name, kind: 'slack', url };
  const raw = webhook.secretEnv === undefined ? undefined : env(webhook.secretEnv);
  if (raw === undefined || raw === '') return { unusable: `webhook ${webhook.name}: its secret variable ${webhook.secretEnv ?? '(none)'} is not set in the authority's environment` };
  const secret = parseWebhookSecret(raw);
  if (secret === undefined) {
    return { unusable: `webhook ${webhook.name}: the secret in ${webhook.secretEnv ?? ''} must be ${WEBHOOK_SECRET_PREFIX} followed by the base64 of at least ${MIN_SECRET_BYTES} random bytes` };
  }
  return { name: webhook.name, kind: 'signed', url, secret };
}

/**
 * The signature of a signed delivery (the Standard Webhooks scheme): `v1,` + base64 of
 * HMAC-SHA256(key, `<webhook-id>.<webhook-timestamp>.<body>`), where the timestamp is in epoch
 * seconds and the body is the exact bytes sent.
 */
export function signWebhook(secret: Buffer, id: string, timestampSeconds: number, body: string): string {
  return `v1,${createHmac('sha256', secret).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

/** What a webhook receives of a message. */
export interface OutgoingMessage {
  readonly id: string;
  readonly incidentId: string;
  readonly audience: string;
  readonly text: string;
  readonly textSha256: string;
  readonly createdAt: Milliseconds;
}

/** The HTTP request of one delivery attempt. */
export interface WebhookRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * A delivery attempt's request. Slack: `{"text": <the message>}`. Signed: a JSON body with the
 * message and the `webhook-id` (the message id, the same on every retry, for de-duplication),
 * `webhook-timestamp` and `webhook-signature` headers.
 */
export function webhookRequest(target: WebhookTarget, message: OutgoingMessage, nowMs: Milliseconds): WebhookRequest {
  if (target.kind === 'slack') return { url: target.url, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: message.text }) };
  const body = JSON.stringify({
    type: 'incident.message',
    id: message.id,
    incident_id: message.incidentId,
    audience: message.audience,
    text: message.text,
    text_sha256: message.textSha256,
    created_at: message.createdAt,
  });
  const timestamp = Math.floor(nowMs / 1000);
  return {
    url: target.url,
    headers: {
      'content-type': 'application/json',
      'webhook-id': message.id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook(target.secret ?? Buffer.alloc(0), message.id, timestamp, body),
    },
    body,
  };
}

/** What one delivery attempt came to. */
export type DeliveryOutcome =
  /** Any 2xx. */
  | { readonly kind: 'delivered'; readonly status: number }
  /** A 4xx other than 408 and 429: the receiver refuses this request; sending it again would not help. */
  | { readonly kind: 'refused'; readonly status: number; readonly error: string }
  /** No answer, a timeout, a redirect, 408, 429 or 5xx: tried again later. */
  | { readonly kind: 'retry'; readonly status: number | null; readonly error: string };

/** The `fetch` deliveries use; injected in tests. */
export type WebhookFetch = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string; signal: AbortSignal; redirect: 'manual' },
) => Promise<{ readonly status: number; text(): Promise<string> }>;

/** Sends one attempt. Redirects are not followed (a message goes only where the policy says). Never throws. */
export async function postWebhook(fetchFn: WebhookFetch, request: WebhookRequest, timeoutMs: Milliseconds): Promise<DeliveryOutcome> {
  try {
    const response = await fetchFn(request.url, { method: 'POST', headers: { ...request.headers }, body: request.body, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    const text = (await response.text().catch(() => '')).slice(0, 200);
    const status = response.status;
    if (status >= 200 && status < 300) return { kind: 'delivered', status };
    const error = `HTTP ${status}${text === '' ? '' : `: ${text}`}`;
    if (status >= 400 && status < 500 && status !== 408 && status !== 429) return { kind: 'refused', status, error };
    return { kind: 'retry', status, error };
  } catch (error) {
    const name = (error as { name?: unknown }).name;
    const code = (error as { cause?: { code?: unknown } }).cause?.code;
    return { kind: 'retry', status: null, error: name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `cannot reach the webhook (${String(code ?? name ?? 'error')})` };
  }
}
