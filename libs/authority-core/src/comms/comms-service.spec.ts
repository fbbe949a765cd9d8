import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditContext } from '../audit/audit-context';
import type { AuditEntryInput, AuditLog, AuditRecord } from '../audit/audit-log';
import type { ApprovalGate } from '../approvals/approval-gate';
import { IncidentNotFoundError } from '../errors/errors';
import type { IncidentWithLinks } from '../incidents/incident-service';
import { policyDocumentSchema, type PolicyDocument } from '../policy/policy-document';
import { openStore, type AuthorityStore } from '../store/store';
import { createCommsDispatcher, type CommsDispatcher } from './comms-dispatcher';
import { CommsNoWebhookError, CommsSecondOperatorRequiredError, CommsTextChangedError, CommsWebhookUnusableError } from './comms-errors';
import { createCommsService, type CommsCustomersParams, type CommsService } from './comms-service';
import { createCommsStore } from './comms-store';
import type { WebhookFetch } from './webhook-delivery';

const alice: AuditContext = { actor: { kind: 'operator', id: 'alice' }, role: 'responder', justification: 'tell the engineers', requestId: 'r1', sourceAddress: null };
const bob: AuditContext = { ...alice, actor: { kind: 'operator', id: 'bob' }, role: 'security-admin' };

describe('incident communications', () => {
  let dir: string;
  let store: AuthorityStore;
  let now: number;
  let audit: AuditEntryInput[];
  let policy: PolicyDocument;
  let incident: IncidentWithLinks;
  let containedAt: number | null;
  let submitted: Parameters<ApprovalGate['submit']>[0][];
  let env: Record<string, string>;
  let answers: number[];
  let posted: { url: string; body: string }[];
  let service: CommsService;
  let dispatcher: CommsDispatcher;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-comms-'));
    now = Date.UTC(2030, 0, 1, 12);
    store = openStore({ dataDir: dir, clock: { now: () => now } });
    store.db
      .prepare(`INSERT INTO incidents (id, title, severity, owner, kind, status, created_at, updated_at) VALUES ('inc-1', 'Token leaked', 'high', 'alice', 'incident', 'open', ?, ?)`)
      .run(now, now);
    incident = { id: 'inc-1', title: 'Token leaked', severity: 'high', owner: 'alice', kind: 'incident', status: 'open', createdAt: now, updatedAt: now, links: [] };
    containedAt = null;
    audit = [];
    const log: AuditLog = { append: (entry) => (audit.push(entry), { ...entry, seq: audit.length, at: now, prevHash: '', hash: '' }) as AuditRecord };
    policy = policyDocumentSchema.parse({
      comms: {
        templates: { engineers: '[{{severity}}] {{title}}: {{whatToDo}}', customers: 'Affected: {{affectedAudiences}}. {{#containedAt}}Contained {{containedAt}}.{{/containedAt}} {{whatToDo}}' },
        webhooks: [
          { name: 'chat', kind: 'slack', url: 'https://chat.example/hook', audiences: ['engineers', 'security'] },
          { name: 'status', kind: 'signed', url: 'https://status.example/hook', secretEnv: 'STATUS_SECRET', audiences: ['customers'] },
        ],
      },
    });
    submitted = [];
    env = { STATUS_SECRET: `whsec_${Buffer.alloc(24, 7).toString('base64')}` };
    const approvals: ApprovalGate = {
      submit: async (request) => {
        submitted.push(request);
        return { kind: 'pending', approval: { id: 'ap-1' } as never };
      },
    };
    const clock = { now: () => now };
    const messages = createCommsStore(store);
    answers = [];
    posted = [];
    const fetch: WebhookFetch = async (url, init) => {
      posted.push({ url, body: init.body });
      const status = answers.shift() ?? 200;
      return { status, text: async () => '' };
    };
    dispatcher = createCommsDispatcher({
      store,
      messages,
      policy: { current: () => policy },
      env: (name) => env[name],
      fetch,
      audit: log,
      clock,
      logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } as never,
      settings: { backoff: { initialMs: 1000, maxMs: 4000 }, maxAttempts: 3 },
      random: () => 1,
    });
    service = createCommsService({
      store,
      audit: log,
      policy: { current: () => policy },
      timeline: (id) => {
        if (id !== 'inc-1') throw new IncidentNotFoundError(id);
        return {
          incident,
          coverage: [{ audience: 'orders-api', instances: [{ instanceId: 'i-1', firstAppliedAt: now, lastAppliedAt: now, pending: [], acceptedAfterRevocation: null }] }],
          containment: { containedAt, why: null, acceptedAfterRevocation: { known: false, count: null, why: null } },
        };
      },
      incidents: { get: (id) => (id === 'inc-1' ? incident : (() => { throw new IncidentNotFoundError(id); })()) },
      approvals,
      env: (name) => env[name],
      clock,
      onQueued: () => undefined,
      newId: (() => {
        let n = 0;
        return () => `msg-${++n}`;
      })(),
    });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rows = (table: string) => store.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number };

  it('previews the exact text from the policy template and the incident', () => {
    const preview = service.preview('inc-1', 'customers', { whatToDo: 'sign in again' });
    expect(preview).toMatchObject({ audience: 'customers', text: 'Affected: orders-api.  sign in again', webhooks: ['status'], needsApproval: true });
    containedAt = now + 1500;
    expect(service.preview('inc-1', 'customers').text).toBe('Affected: orders-api. Contained 2030-01-01T12:00:01Z. no action is needed. If you are asked to sign in again, please do.');
    expect(() => service.preview('nope', 'engineers')).toThrow(IncidentNotFoundError);
  });

  it('sends to engineers at once: message, one delivery per webhook and the audit entry with the exact text, in one step', async () => {
    const preview = service.preview('inc-1', 'engineers');
    const outcome = await service.send({ incidentId: 'inc-1', audience: 'engineers', expectedSha256: preview.textSha256, context: alice });
    expect(outcome).toMatchObject({ kind: 'executed', result: { id: 'msg-1', text: preview.text, sentBy: 'alice', approvedBy: null } });
    expect(audit).toEqual([
      expect.objectContaining({ action: 'incidents.comms.send', target: 'inc-1', context: alice, details: expect.objectContaining({ messageId: 'msg-1', text: preview.text, textSha256: preview.textSha256, webhooks: ['chat'] }) }),
    ]);
    expect(service.list('inc-1')).toEqual([expect.objectContaining({ id: 'msg-1', deliveries: [expect.objectContaining({ webhook: 'chat', state: 'pending', attempts: 0 })] })]);

    expect(await dispatcher.runOnce()).toBe(1);
    expect(posted).toEqual([{ url: 'https://chat.example/hook', body: JSON.stringify({ text: preview.text }) }]);
    expect(service.list('inc-1')[0]?.deliveries).toEqual([expect.objectContaining({ state: 'delivered', attempts: 1, lastStatus: 200, finishedAt: now })]);
    expect(audit[1]).toMatchObject({ action: 'incidents.comms.deliver', outcome: 'succeeded', target: 'inc-1', details: { messageId: 'msg-1', webhook: 'chat', attempts: 1, status: 200 } });
  });

  it('refuses, writing nothing, a text that changed since the preview, an audience without a webhook, or a webhook without its secret', async () => {
    const preview = service.preview('inc-1', 'engineers');
    incident = { ...incident, severity: 'critical' };
    await expect(service.send({ incidentId: 'inc-1', audience: 'engineers', expectedSha256: preview.textSha256, context: alice })).rejects.toThrow(CommsTextChangedError);
    policy = { ...policy, comms: { ...policy.comms, webhooks: [] } };
    await expect(service.send({ incidentId: 'inc-1', audience: 'security', context: alice })).rejects.toThrow(CommsNoWebhookError);
    policy = policyDocumentSchema.parse({ comms: { webhooks: [{ name: 'status', kind: 'signed', url: 'https://s.example/', secretEnv: 'UNSET_SECRET', audiences: ['customers'] }] } });
    await expect(service.send({ incidentId: 'inc-1', audience: 'customers', context: alice })).rejects.toThrow(CommsWebhookUnusableError);
    expect([rows('comms_messages').n, rows('comms_deliveries').n, audit.length, submitted.length]).toEqual([0, 0, 0, 0]);
  });

  it('asks a second operator to approve a message to customers, then sends exactly the approved text', async () => {
    const outcome = await service.send({ incidentId: 'inc-1', audience: 'customers', whatToDo: 'rotate your API keys', context: alice });
    expect(outcome.kind).toBe('pending');
    expect(rows('comms_messages').n).toBe(0);
    const [request] = submitted;
    const preview = service.preview('inc-1', 'customers', { whatToDo: 'rotate your API keys' });
    expect(request).toEqual({ action: 'comms.customers', target: 'inc-1', context: alice, requireApproval: true, params: { incident: 'inc-1', audience: 'customers', text: preview.text, textSha256: preview.textSha256, whatToDo: 'rotate your API keys' } });

    const params = request!.params as CommsCustomersParams;
    expect(() => service.sendApproved(params, alice, alice)).toThrow(CommsSecondOperatorRequiredError);
    const sent = service.sendApproved(params, alice, bob);
    expect(sent).toMatchObject({ audience: 'customers', text: preview.text, sentBy: 'alice', approvedBy: 'bob' });
    expect(audit[0]).toMatchObject({ action: 'incidents.comms.send', context: alice, details: { text: preview.text, approvedBy: 'bob', webhooks: ['status'] } });
  });

  it('an approved message is not sent when the incident changed after the request', async () => {
    await service.send({ incidentId: 'inc-1', audience: 'customers', context: alice });
    containedAt = now + 2000;
    expect(() => service.sendApproved(submitted[0]!.params, alice, bob)).toThrow(CommsTextChangedError);
    expect(rows('comms_messages').n).toBe(0);
  });

  it('retries a failed delivery after a capped exponential backoff, and gives up after the last attempt or a refusal', async () => {
    await service.send({ incidentId: 'inc-1', audience: 'engineers', context: alice });
    await service.send({ incidentId: 'inc-1', audience: 'security', context: alice });
    answers = [500, 404];
    expect(await dispatcher.runOnce()).toBe(2);
    const [first, second] = service.list('inc-1');
    expect(first?.deliveries[0]).toMatchObject({ state: 'pending', attempts: 1, lastStatus: 500, nextAttemptAt: now + 1000 });
    expect(second?.deliveries[0]).toMatchObject({ state: 'failed', attempts: 1, lastStatus: 404 });
    expect(await dispatcher.runOnce()).toBe(0);

    answers = [503, 503];
    now += 1000;
    await dispatcher.runOnce();
    expect(service.list('inc-1')[0]?.deliveries[0]).toMatchObject({ state: 'pending', attempts: 2, nextAttemptAt: now + 2000 });
    now += 2000;
    await dispatcher.runOnce();
    expect(service.list('inc-1')[0]?.deliveries[0]).toMatchObject({ state: 'failed', attempts: 3, lastStatus: 503 });
    expect(audit.filter((e) => e.action === 'incidents.comms.deliver').map((e) => [e.outcome, (e.details as { webhook: string }).webhook])).toEqual([
      ['failed', 'chat'],
      ['failed', 'chat'],
    ]);
  });
});
