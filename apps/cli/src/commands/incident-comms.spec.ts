import { problem } from '../testing/fake-authority.spec-helper';
import { loggedInFixture, type LoggedInFixture } from '../testing/run-cli.spec-helper';

const J = 'INC-311 status for on-call';
const T = Date.UTC(2026, 11, 6, 5);
const sha = 'a'.repeat(64);
const preview = { incident_id: 'inc-1', audience: 'customers', text: '**Notice**\n\nSign in again.\u001b[31m', text_sha256: sha, webhooks: ['status-page'], needs_approval: true };
const message = { id: 'msg-1', incident_id: 'inc-1', audience: 'engineers', text: 'hello', text_sha256: sha, sent_by: 'alice', approved_by: null, created_at: T };

describe('revmesh incident comms', () => {
  let f: LoggedInFixture;
  beforeEach(async () => {
    f = await loggedInFixture();
  });
  afterEach(() => f.close());

  it('preview: prints the exact text, line by line, without terminal control characters', async () => {
    f.authority.on('GET', '/v1/incidents/inc-1/comms/preview?audience=customers&what_to_do=sign+in+again', { status: 200, body: preview });
    const run = await f.run(['incident', 'comms', 'preview', 'inc-1', '--audience', 'customers', '--what-to-do', 'sign in again']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Message for customers (sha256 ${sha}), to status-page; sending it needs a second operator's approval:`);
    expect(run.stdout).toContain('-----\n**Notice**\n\nSign in again.?[31m\n-----');
  });

  it('send: shows the text, then posts it with the previewed hash; customers wait for approval (exit 8)', async () => {
    f.authority.on('GET', '/v1/incidents/inc-1/comms/preview?audience=engineers', { status: 200, body: { ...preview, audience: 'engineers', needs_approval: false } });
    f.authority.on('POST', '/v1/incidents/inc-1/comms', { status: 201, body: { message } });
    const run = await f.run(['incident', 'comms', 'send', 'inc-1', '--audience', 'engineers', '-j', J]);
    expect(run.code).toBe(0);
    expect(f.authority.requests[1]).toMatchObject({ method: 'POST', path: '/v1/incidents/inc-1/comms', body: { audience: 'engineers', expected_sha256: sha, justification: J } });
    expect(run.stderr).toContain('Message for engineers');
    expect(run.stdout).toContain('Sent message msg-1 to engineers; its delivery: revmesh incident comms list inc-1');
  });

  it('send --wait: once a second operator approved, shows who and the message sent', async () => {
    f.authority.on('GET', '/v1/incidents/inc-1/comms/preview?audience=customers', { status: 200, body: preview });
    const approval = { id: 'ap-1', action: 'comms.customers', target: 'inc-1', params: {}, requestedBy: { username: 'alice', role: 'responder', justification: J }, requestedAt: '2026-12-06T05:00:00.000Z', expiresAt: '2026-12-06T06:00:00.000Z', decidedBy: null, decidedAt: null, decisionJustification: null, result: null, error: null };
    f.authority.on('POST', '/v1/incidents/inc-1/comms', { status: 202, body: { status: 'pending-approval', approval: { ...approval, state: 'pending' } } });
    f.authority.on('GET', '/v1/approvals/ap-1', {
      status: 200,
      body: { approval: { ...approval, state: 'executed', decidedBy: { username: 'bob', role: 'security-admin' }, decidedAt: '2026-12-06T05:01:00.000Z', result: { id: 'msg-7', incidentId: 'inc-1', audience: 'customers' } } },
    });
    const run = await f.run(['incident', 'comms', 'send', 'inc-1', '--audience', 'customers', '-j', J, '--wait']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Approved by bob');
    expect(run.stdout).toContain('Sent message msg-7 to customers; its delivery: revmesh incident comms list inc-1');
  });

  it('send refuses an unknown audience before any request', async () => {
    const run = await f.run(['incident', 'comms', 'send', 'inc-1', '--audience', 'press', '-j', J]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('press');
    expect(f.authority.requests).toEqual([]);
  });

  it('list: every message with its deliveries and its text', async () => {
    f.authority.on('GET', '/v1/incidents/inc-1/comms', {
      status: 200,
      body: {
        messages: [
          {
            ...message,
            deliveries: [
              { webhook: 'eng-chat', state: 'delivered', attempts: 2, next_attempt_at: T, last_status: 200, last_error: 'HTTP 500', finished_at: T + 900 },
              { webhook: 'backup', state: 'pending', attempts: 1, next_attempt_at: T + 2000, last_status: null, last_error: 'cannot reach the webhook (ECONNREFUSED)', finished_at: null },
            ],
          },
        ],
      },
    });
    f.authority.on('GET', '/v1/approvals?state=pending', { status: 200, body: { approvals: [] } });
    const run = await f.run(['incident', 'comms', 'list', 'inc-1']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).not.toContain('Waiting for approval');
    expect(run.stdout).toContain('engineers  message msg-1 sent by alice');
    expect(run.stdout).toContain('eng-chat: delivered after 2 attempt(s) HTTP 200 at 2026-12-06T05:00:00.900Z');
    expect(run.stdout).toContain('backup: pending after 1 attempt(s), next attempt 2026-12-06T05:00:02.000Z: cannot reach the webhook (ECONNREFUSED)');
    expect(run.stdout).toContain('  | hello');
  });
  describe('list: customer messages waiting for approval', () => {
    const pending = (id: string, incident: string, action = 'comms.customers') => ({
      id,
      action,
      target: incident,
      params: { incident, audience: 'customers', text: `Notice for ${incident}\nSign in again.`, textSha256: sha },
      requestedBy: { username: 'bob', role: 'responder', justification: J },
      requestedAt: '2026-12-06T05:01:00.000Z',
      expiresAt: '2026-12-06T06:01:00.000Z',
      state: 'pending',
      decidedBy: null,
      decidedAt: null,
      decisionJustification: null,
      result: null,
      error: null,
    });

    it("shows this incident's pending comms.customers approvals with their exact text, after the messages sent", async () => {
      f.authority.on('GET', '/v1/incidents/inc-1/comms', { status: 200, body: { messages: [{ ...message, deliveries: [] }] } });
      f.authority.on('GET', '/v1/approvals?state=pending', {
        status: 200,
        body: { approvals: [pending('ap-1', 'inc-1'), pending('ap-2', 'inc-2'), { ...pending('ap-3', 'inc-1', 'keys.compromise'), params: {} }] },
      });
      const run = await f.run(['incident', 'comms', 'list', 'inc-1']);
      const json = await f.run(['--json', 'incident', 'comms', 'list', 'inc-1']);

      expect(run.code).toBe(0);
      expect(run.stdout).toContain('engineers  message msg-1 sent by alice');
      expect(run.stdout).toContain(
        [
          'Waiting for approval (1):',
          `2026-12-06T05:01:00.000Z  customers  approval ap-1 requested by bob, waiting for a second operator until 2026-12-06T06:01:00.000Z (sha256 ${sha})`,
          '    read it: revmesh approvals show ap-1; send it: revmesh approvals approve ap-1 -j "…"',
          '  | Notice for inc-1',
          '  | Sign in again.',
        ].join('\n'),
      );
      expect(run.stdout).not.toContain('ap-2');
      expect(run.stdout).not.toContain('ap-3');
      const listed = JSON.parse(json.stdout) as { messages: unknown[]; awaiting_approval: { id: string }[] };
      expect(listed.messages).toHaveLength(1);
      expect(listed.awaiting_approval.map((a) => a.id)).toEqual(['ap-1']);
    });

    it('with no message sent yet, still shows the one waiting', async () => {
      f.authority.on('GET', '/v1/incidents/inc-1/comms', { status: 200, body: { messages: [] } });
      f.authority.on('GET', '/v1/approvals?state=pending', { status: 200, body: { approvals: [pending('ap-1', 'inc-1')] } });
      const run = await f.run(['incident', 'comms', 'list', 'inc-1']);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^No message sent for this incident\.\n\nWaiting for approval \(1\):\n.*approval ap-1 requested by bob/);
    });

    it('when the approvals cannot be listed, shows the messages sent and says what is missing', async () => {
      f.authority.on('GET', '/v1/incidents/inc-1/comms', { status: 200, body: { messages: [{ ...message, deliveries: [] }] } });
      f.authority.on('GET', '/v1/approvals?state=pending', problem(403, 'FORBIDDEN', 'Forbidden', 'your role cannot list approvals'));
      const run = await f.run(['incident', 'comms', 'list', 'inc-1']);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('engineers  message msg-1 sent by alice');
      expect(run.stdout).not.toContain('Waiting for approval');
      expect(run.stderr).toContain('Customer messages waiting for approval not shown: your role cannot list approvals (code FORBIDDEN).');
    });
  });
});
