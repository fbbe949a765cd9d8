import { createHmac, randomBytes } from 'node:crypto';
import { parseWebhookSecret, postWebhook, resolveWebhook, webhookRequest, type WebhookFetch } from './webhook-delivery';

const key = randomBytes(32);
const secret = `whsec_${key.toString('base64')}`;
const message = { id: 'msg-1', incidentId: 'inc-1', audience: 'customers', text: '**Notice** é', textSha256: 'a'.repeat(64), createdAt: 1_900_000_000_000 };
const env = (values: Record<string, string>) => (name: string) => values[name];

describe('webhook deliveries', () => {
  it('a Slack webhook gets {"text": …} and no signature', () => {
    const target = resolveWebhook({ name: 'chat', kind: 'slack', urlEnv: 'CHAT_URL', audiences: ['engineers'] }, env({ CHAT_URL: 'https://hooks.example/T/B/x' }));
    if ('unusable' in target) throw new Error(target.unusable);
    const request = webhookRequest(target, message, 1_900_000_001_500);
    expect(request).toEqual({ url: 'https://hooks.example/T/B/x', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: '**Notice** é' }) });
  });

  it('a signed webhook gets the Standard Webhooks headers; the signature is HMAC-SHA256 of id.timestamp.body', () => {
    const target = resolveWebhook({ name: 'status', kind: 'signed', url: 'https://status.example/hook', secretEnv: 'HOOK_SECRET', audiences: ['customers'] }, env({ HOOK_SECRET: secret }));
    if ('unusable' in target) throw new Error(target.unusable);
    const request = webhookRequest(target, message, 1_900_000_001_500);
    expect(request.headers['webhook-id']).toBe('msg-1');
    expect(request.headers['webhook-timestamp']).toBe('1900000001');
    // What a receiver does with the documented scheme, by hand.
    const expected = createHmac('sha256', key).update(`msg-1.1900000001.${request.body}`).digest('base64');
    expect(request.headers['webhook-signature']).toBe(`v1,${expected}`);
    expect(JSON.parse(request.body)).toEqual({ type: 'incident.message', id: 'msg-1', incident_id: 'inc-1', audience: 'customers', text: '**Notice** é', text_sha256: 'a'.repeat(64), created_at: 1_900_000_000_000 });
  });

  it('says why a webhook cannot be used without showing a secret', () => {
    const webhook = { name: 'status', kind: 'signed' as const, url: 'https://status.example/hook', secretEnv: 'HOOK_SECRET', audiences: ['customers' as const] };
    expect(resolveWebhook(webhook, env({}))).toEqual({ unusable: expect.stringContaining('HOOK_SECRET is not set') });
    const weak = resolveWebhook(webhook, env({ HOOK_SECRET: 'hunter2-plain' }));
    expect(weak).toEqual({ unusable: expect.stringContaining('must be whsec_') });
    expect(JSON.stringify(weak)).not.toContain('hunter2');
    expect(parseWebhookSecret(`whsec_${randomBytes(8).toString('base64')}`)).toBeUndefined();
  });

  it('2xx is delivered, other 4xx refused, 408/429/5xx and no answer retried', async () => {
    const answering = (status: number): WebhookFetch => async () => ({ status, text: async () => 'busy' });
    const request = { url: 'https://x.example/', headers: {}, body: '{}' };
    expect(await postWebhook(answering(204), request, 1000)).toEqual({ kind: 'delivered', status: 204 });
    expect(await postWebhook(answering(404), request, 1000)).toEqual({ kind: 'refused', status: 404, error: 'HTTP 404: busy' });
    expect(await postWebhook(answering(429), request, 1000)).toMatchObject({ kind: 'retry', status: 429 });
    expect(await postWebhook(answering(500), request, 1000)).toMatchObject({ kind: 'retry', status: 500 });
    const down: WebhookFetch = async () => {
      throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    };
    expect(await postWebhook(down, request, 1000)).toEqual({ kind: 'retry', status: null, error: 'cannot reach the webhook (ECONNREFUSED)' });
  });
});
