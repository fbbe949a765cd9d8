import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { bootstrapEnrolledAdmin, freePort, type OperatorSession } from '@revmesh/test-support';
import { E2E_POLICY, startAuthority, type AuthorityHandle } from './support/authority-process';
import { eventually, uniquePrefix } from './support/wait';

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly answeredWith: number;
}

/** A local webhook receiver: records every request; answers the statuses queued for a path first, then 200. */
class WebhookReceiver {
  readonly received: Received[] = [];
  readonly answers = new Map<string, number[]>();
  private server: Server | undefined;

  constructor(readonly port: number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const path = request.url ?? '/';
        const status = this.answers.get(path)?.shift() ?? 200;
        this.received.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), answeredWith: status });
        response.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'try later');
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server === undefined ? resolve() : this.server.close(() => resolve())));
  }

  on(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }
}

/**
 * The documented scheme (README "Incident communications"), as a receiver implements it: the
 * key is the base64 after `whsec_`; the signature is `v1,` + base64 HMAC-SHA256 of
 * `<webhook-id>.<webhook-timestamp>.<raw body>`; the timestamp must be recent.
 */
function verifySignature(secret: string, request: Received): boolean {
  const id = String(request.headers['webhook-id']);
  const timestamp = String(request.headers['webhook-timestamp']);
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const expected = Buffer.from(createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64')).update(`${id}.${timestamp}.${request.body}`).digest('base64'));
  return String(request.headers['webhook-signature'])
    .split(' ')
    .some((s) => s.startsWith('v1,') && Buffer.from(s.slice(3)).length === expected.length && timingSafeEqual(Buffer.from(s.slice(3)), expected));
}

interface Message {
  id: string;
  audience: string;
  text: string;
  text_sha256: string;
  sent_by: string;
  approved_by: string | null;
  deliveries: { webhook: string; state: string; attempts: number; last_status: number | null; last_error: string | null }[];
}

/**
 * Incident communications through the real authority process: messages rendered from the
 * policy's templates, delivered to a local webhook receiver (Slack-compatible and signed), retried
 * after a 500 and after the receiver was down, the customers message held until a second
 * security-admin approves its exact text, and every message audited with that text.
 */
describe('incident communications to webhooks', () => {
  const statusSecret = `whsec_${randomBytes(32).toString('base64')}`;
  const securitySecret = `whsec_${randomBytes(24).toString('base64')}`;
  let receiver: WebhookReceiver;
  let late: WebhookReceiver;
  let authority: AuthorityHandle;
  let bob: OperatorSession;
  let incidentId: string;

  beforeAll(async () => {
    receiver = new WebhookReceiver(await freePort());
    await receiver.start();
    // Down until the test starts it: deliveries to it must wait and retry.
    late = new WebhookReceiver(await freePort());
    authority = await startAuthority({
      brokers: process.env['KAFKA_BROKERS']!,
      topicPrefix: uniquePrefix('comms'),
      policy: {
        ...E2E_POLICY,
        comms: {
          templates: { customers: 'Incident {{status}}: {{title}}. {{whatToDo}}' },
          webhooks: [
            { name: 'eng-chat', kind: 'slack', url: `${receiver.url}/slack`, audiences: ['engineers'] },
            { name: 'sec-hook', kind: 'signed', urlEnv: 'COMMS_SEC_URL', secretEnv: 'COMMS_SEC_SECRET', audiences: ['security'] },
            { name: 'status-page', kind: 'signed', url: `${receiver.url}/status`, secretEnv: 'COMMS_STATUS_SECRET', audiences: ['customers'] },
          ],
        },
      },
      extraEnv: {
        COMMS_SEC_URL: `${late.url}/hook`,
        COMMS_SEC_SECRET: securitySecret,
        COMMS_STATUS_SECRET: statusSecret,
        REVMESH_COMMS_RETRY_INITIAL_MS: '200',
        REVMESH_COMMS_RETRY_MAX_MS: '400',
      },
    });
    bob = await bootstrapEnrolledAdmin(authority.url, authority.env['REVMESH_BOOTSTRAP_TOKEN']!, 'bob');
    const opened = await authority.admin.request('POST', '/v1/incidents', { title: 'token leaked in a CI log', severity: 'high' });
    expect(opened.status).toBe(201);
    incidentId = (opened.body['incident'] as { id: string }).id;
  }, 60_000);
  afterAll(async () => {
    await authority?.process.stop();
    await receiver?.stop();
    await late?.stop();
  });

  const messages = async (): Promise<Message[]> => (await authority.admin.request('GET', `/v1/incidents/${incidentId}/comms`)).body['messages'] as Message[];
  const preview = async (audience: string, whatToDo?: string) => {
    const query = new URLSearchParams({ audience, ...(whatToDo === undefined ? {} : { what_to_do: whatToDo }) });
    const r = await authority.admin.request('GET', `/v1/incidents/${incidentId}/comms/preview?${query.toString()}`);
    expect(r.status).toBe(200);
    return r.body as { text: string; text_sha256: string; webhooks: string[]; needs_approval: boolean };
  };

  it('delivers the engineers message to the Slack webhook as {text}, retrying after a 500', async () => {
    const shown = await preview('engineers');
    expect(shown.text).toContain('**[high] token leaked in a CI log**');
    expect(shown.webhooks).toEqual(['eng-chat']);
    receiver.answers.set('/slack', [500]);
    const sent = await authority.admin.request('POST', `/v1/incidents/${incidentId}/comms`, { audience: 'engineers', expected_sha256: shown.text_sha256 });
    expect(sent.status).toBe(201);
    await eventually('the Slack webhook answered 200 on a retry', () => receiver.on('/slack').some((r) => r.answeredWith === 200));
    expect(receiver.on('/slack').map((r) => r.answeredWith)).toEqual([500, 200]);
    for (const r of receiver.on('/slack')) expect(JSON.parse(r.body)).toEqual({ text: shown.text });
    await eventually('the delivery is recorded', async () => (await messages())[0]?.deliveries[0]?.state === 'delivered');
    expect((await messages())[0]).toMatchObject({ audience: 'engineers', text: shown.text, deliveries: [{ webhook: 'eng-chat', state: 'delivered', attempts: 2, last_status: 200 }] });
  });

  it('refuses a send whose text is no longer the previewed one, sending nothing', async () => {
    const r = await authority.admin.request('POST', `/v1/incidents/${incidentId}/comms`, { audience: 'engineers', expected_sha256: 'f'.repeat(64) });
    expect(r.status).toBe(409);
    expect(r.body['code']).toBe('COMMS_TEXT_CHANGED');
    expect(await messages()).toHaveLength(1);
  });

  it('keeps a signed delivery while its receiver is down and delivers it, signed, once it is up', async () => {
    const shown = await preview('security', 'check the approvals queue');
    expect((await authority.admin.request('POST', `/v1/incidents/${incidentId}/comms`, { audience: 'security', what_to_do: 'check the approvals queue' })).status).toBe(201);
    await eventually('a failed attempt is recorded', async () => ((await messages()).find((m) => m.audience === 'security')?.deliveries[0]?.attempts ?? 0) >= 1);
    const waiting = (await messages()).find((m) => m.audience === 'security')!;
    expect(waiting.deliveries[0]).toMatchObject({ state: 'pending', last_status: null, last_error: expect.stringContaining('cannot reach the webhook') });

    await late.start();
    await eventually('the receiver got the message once it was up', () => late.on('/hook').length > 0, 10_000);
    const [delivered] = late.on('/hook');
    expect(verifySignature(securitySecret, delivered!)).toBe(true);
    expect(verifySignature(statusSecret, delivered!)).toBe(false);
    expect(JSON.parse(delivered!.body)).toMatchObject({ type: 'incident.message', id: waiting.id, incident_id: incidentId, audience: 'security', text: shown.text, text_sha256: shown.text_sha256 });
    expect(delivered!.headers['webhook-id']).toBe(waiting.id);
  });

  it('holds the customers message until a second security-admin approves its exact text, then sends exactly that', async () => {
    const shown = await preview('customers', 'sign in again');
    expect(shown).toMatchObject({ text: 'Incident open: token leaked in a CI log. sign in again', needs_approval: true });
    const requested = await authority.admin.request('POST', `/v1/incidents/${incidentId}/comms`, { audience: 'customers', what_to_do: 'sign in again' });
    expect(requested.status).toBe(202);
    const approval = requested.body['approval'] as { id: string; action: string; params: { text: string } };
    expect(approval).toMatchObject({ action: 'comms.customers', params: { text: shown.text } });
    expect(receiver.on('/status')).toEqual([]);
    expect((await messages()).some((m) => m.audience === 'customers')).toBe(false);

    const self = await authority.admin.request('POST', `/v1/approvals/${approval.id}/approve`, {});
    expect([self.status, self.body['code']]).toEqual([403, 'SELF_APPROVAL']);
    const approved = await bob.request('POST', `/v1/approvals/${approval.id}/approve`, { justification: 'read the customer notice, approved' });
    expect(approved.status).toBe(200);
    expect(approved.body['approval']).toMatchObject({ state: 'executed', decidedBy: { username: 'bob' } });

    await eventually('the status page received the notice', () => receiver.on('/status').length > 0);
    const [notice] = receiver.on('/status');
    expect(verifySignature(statusSecret, notice!)).toBe(true);
    expect(JSON.parse(notice!.body)).toMatchObject({ audience: 'customers', text: shown.text });
    expect((await messages()).find((m) => m.audience === 'customers')).toMatchObject({ text: shown.text, sent_by: 'admin', approved_by: 'bob' });
  });

  it('does not send an approved customers message whose text changed after the request', async () => {
    const requested = await authority.admin.request('POST', `/v1/incidents/${incidentId}/comms`, { audience: 'customers' });
    expect(requested.status).toBe(202);
    const approvalId = (requested.body['approval'] as { id: string }).id;
    expect((await authority.admin.request('PATCH', `/v1/incidents/${incidentId}`, { status: 'contained' })).status).toBe(200);
    const approved = await bob.request('POST', `/v1/approvals/${approvalId}/approve`, { justification: 'approving the older notice' });
    expect(approved.body['approval']).toMatchObject({ state: 'failed', error: expect.stringContaining('COMMS_TEXT_CHANGED') });
    expect((await messages()).filter((m) => m.audience === 'customers')).toHaveLength(1);
  });

  it('audits every message with its exact text and every delivery outcome, in the incident timeline', async () => {
    const sent = await messages();
    const page = await authority.admin.request('GET', '/v1/audit?limit=1000');
    const entries = page.body['entries'] as { action: string; target: string | null; outcome: string; details: Record<string, unknown> }[];
    const sends = entries.filter((e) => e.action === 'incidents.comms.send' && e.target === incidentId);
    expect(sends.map((e) => [e.details['audience'], e.details['text']])).toEqual(sent.map((m) => [m.audience, m.text]));
    expect(sends.find((e) => e.details['audience'] === 'customers')?.details['approvedBy']).toBe('bob');
    await eventually('every delivery is audited', async () => {
      const all = ((await authority.admin.request('GET', '/v1/audit?limit=1000')).body['entries'] as typeof entries).filter((e) => e.action === 'incidents.comms.deliver');
      return all.length === 3 && all.every((e) => e.outcome === 'succeeded' && e.target === incidentId);
    });
    const timeline = await authority.admin.request('GET', `/v1/incidents/${incidentId}/timeline`);
    const actions = (timeline.body['entries'] as { type: string; action?: string }[]).filter((e) => e.type === 'audit').map((e) => e.action);
    expect(actions.filter((a) => a === 'incidents.comms.send')).toHaveLength(3);
    expect(actions).toContain('incidents.comms.deliver');
  });
});
