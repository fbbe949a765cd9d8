import { incidentReportSchema, SIDECAR_ACK, SIDECAR_BLOCKED, SIDECAR_HEARTBEAT } from '@revmesh/contracts';
import { startTestAuthority, type AuthorityFixture } from '../testing/authority-fixture.spec-helper';

interface IncidentBody {
  incident: { id: string; status: string; owner: string; severity: string; kind: string; links?: { kind: string; id: string }[] };
}

/** The incident routes: open, list, read, change, link, timeline; and the `incident` field of revocations. */
describe('incidents HTTP API', () => {
  let f: AuthorityFixture;

  beforeAll(async () => {
    f = await startTestAuthority();
  });
  afterAll(async () => {
    await f.close();
  });

  const open = async (payload: Record<string, unknown> = { title: 'leaked token in a CI log', severity: 'high' }) => {
    const res = await f.request({ method: 'POST', url: '/v1/incidents', payload, as: 'responder' });
    expect(res.statusCode).toBe(201);
    return res.json<IncidentBody>().incident;
  };

  const published = async (revocationId: string): Promise<void> => {
    for (;;) {
      const res = await f.request({ method: 'GET', url: `/v1/revocations/${revocationId}`, as: 'viewer' });
      if (res.json<{ published: boolean }>().published) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it('opens an incident owned by the opener, lists and reads it, audited', async () => {
    const responder = await f.operator('responder');
    const incident = await open();
    expect(incident).toMatchObject({ status: 'open', owner: responder.username, severity: 'high', kind: 'incident' });
    const listed = await f.request({ method: 'GET', url: '/v1/incidents?status=open', as: 'viewer' });
    expect(listed.json<{ incidents: { id: string }[] }>().incidents.map((i) => i.id)).toContain(incident.id);
    const read = await f.request({ method: 'GET', url: `/v1/incidents/${incident.id}`, as: 'viewer' });
    expect(read.json<IncidentBody>().incident).toMatchObject({ id: incident.id, links: [] });
    const audited = f.authority.core.store.db.prepare(`SELECT actor_id FROM audit_log WHERE action = 'incidents.open' AND target = ?`).all(incident.id);
    expect(audited).toEqual([{ actor_id: responder.username }]);
  });

  it('refuses a bad severity, an unknown owner and an unknown status filter, storing nothing', async () => {
    const before = (await f.request({ method: 'GET', url: '/v1/incidents?limit=500', as: 'viewer' })).json<{ incidents: unknown[] }>().incidents.length;
    const badSeverity = await f.request({ method: 'POST', url: '/v1/incidents', payload: { title: 't', severity: 'sev1' }, as: 'responder' });
    expect(badSeverity.statusCode).toBe(400);
    expect(badSeverity.json()).toMatchObject({ errors: [{ field: 'severity' }] });
    const badOwner = await f.request({ method: 'POST', url: '/v1/incidents', payload: { title: 't', severity: 'low', owner: 'nobody-here' }, as: 'responder' });
    expect(badOwner.statusCode).toBe(400);
    expect(badOwner.json()).toMatchObject({ errors: [{ field: 'owner' }] });
    expect((await f.request({ method: 'GET', url: '/v1/incidents?status=closed', as: 'viewer' })).statusCode).toBe(400);
    expect((await f.request({ method: 'GET', url: '/v1/incidents?limit=500', as: 'viewer' })).json<{ incidents: unknown[] }>().incidents).toHaveLength(before);
  });

  it('moves forward only: a refused transition is 409 naming the current state', async () => {
    const incident = await open({ title: 'x', severity: 'low' });
    const contained = await f.request({ method: 'PATCH', url: `/v1/incidents/${incident.id}`, payload: { status: 'contained', severity: 'critical' }, as: 'responder' });
    expect(contained.statusCode).toBe(200);
    expect(contained.json<IncidentBody>().incident).toMatchObject({ status: 'contained', severity: 'critical' });
    const back = await f.request({ method: 'PATCH', url: `/v1/incidents/${incident.id}`, payload: { status: 'open' }, as: 'responder' });
    expect(back.statusCode).toBe(409);
    expect(back.json()).toMatchObject({ code: 'INCIDENT_TRANSITION_REFUSED', current_state: 'contained', requested_state: 'open' });
    expect((await f.request({ method: 'PATCH', url: `/v1/incidents/${incident.id}`, payload: {}, as: 'responder' })).statusCode).toBe(400);
    expect((await f.request({ method: 'PATCH', url: '/v1/incidents/nope', payload: { status: 'resolved' }, as: 'responder' })).statusCode).toBe(404);
  });

  it('a revocation naming an incident is linked with it; unknown → 422, resolved → 409, and nothing is stored', async () => {
    const incident = await open();
    const revoked = await f.request({ method: 'POST', url: '/v1/revocations', payload: { target: 'jti', value: 'inc-jti-1', reason: 'leaked', incident: incident.id }, as: 'responder' });
    expect(revoked.statusCode).toBe(202);
    const revocationId = revoked.json<{ id: string }>().id;
    const read = await f.request({ method: 'GET', url: `/v1/incidents/${incident.id}`, as: 'viewer' });
    expect(read.json<IncidentBody>().incident.links).toEqual([{ kind: 'revocation', id: revocationId, linked_at: expect.any(Number) }]);

    const unknown = await f.request({ method: 'POST', url: '/v1/revocations', payload: { target: 'jti', value: 'inc-jti-2', reason: 'leaked', incident: 'no-such-incident' }, as: 'responder' });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json()).toMatchObject({ code: 'INCIDENT_UNKNOWN', errors: [{ field: 'incident' }] });

    await f.request({ method: 'PATCH', url: `/v1/incidents/${incident.id}`, payload: { status: 'resolved' }, as: 'responder' });
    const closed = await f.request({
      method: 'POST',
      url: '/v1/revocations:batch',
      payload: { targets: [{ target: 'jti', value: 'inc-jti-3' }], reason: 'leaked', incident: incident.id },
      as: 'responder',
    });
    expect(closed.statusCode).toBe(409);
    expect(closed.json()).toMatchObject({ code: 'INCIDENT_CLOSED' });
    const stored = f.authority.core.store.db.prepare(`SELECT count(*) AS n FROM revocations WHERE target_value IN ('inc-jti-2', 'inc-jti-3')`).get() as { n: number };
    expect(stored.n).toBe(0);
  });

  it('a batch naming an incident links the batch and each revocation', async () => {
    const incident = await open();
    const res = await f.request({
      method: 'POST',
      url: '/v1/revocations:batch',
      payload: { targets: [{ target: 'jti', value: 'inc-b-1' }, { target: 'jti', value: 'inc-b-2' }], reason: 'leaked', incident: incident.id },
      as: 'responder',
    });
    expect(res.statusCode).toBe(202);
    const batch = res.json<{ batch_id?: string; batchId?: string; revocations: { id: string }[] }>();
    const links = (await f.request({ method: 'GET', url: `/v1/incidents/${incident.id}`, as: 'viewer' })).json<IncidentBody>().incident.links ?? [];
    expect(links.filter((l) => l.kind === 'revocation').map((l) => l.id).sort()).toEqual(batch.revocations.map((r) => r.id).sort());
    expect(links.filter((l) => l.kind === 'revocation-batch')).toHaveLength(1);
  });

  it('a gated revocation names its incident in the approval, and is linked when it runs', async () => {
    const incident = await open();
    const requested = await f.request({ method: 'POST', url: '/v1/revocations', payload: { target: 'client_id', value: 'inc-client', reason: 'compromised', incident: incident.id } });
    expect(requested.statusCode).toBe(202);
    // Default policy: a client_id revocation waits for a second security-admin.
    const body = requested.json<{ status: string; approval: { id: string } }>();
    expect(body.status).toBe('pending-approval');
    const approvalId = body.approval.id;
    const waiting = (await f.request({ method: 'GET', url: `/v1/incidents/${incident.id}`, as: 'viewer' })).json<IncidentBody>().incident.links ?? [];
    expect(waiting.map((l) => [l.kind, l.id])).toEqual([['approval', approvalId]]);
    const second = await f.newOperator('security-admin', 'incident-approver');
    const approved = await f.request({ method: 'POST', url: `/v1/approvals/${approvalId}/approve`, payload: {}, as: second });
    expect(approved.json()).toMatchObject({ approval: { state: 'executed' } });
    const revocationId = approved.json<{ approval: { result: { id: string } } }>().approval.result.id;
    const links = (await f.request({ method: 'GET', url: `/v1/incidents/${incident.id}`, as: 'viewer' })).json<IncidentBody>().incident.links ?? [];
    expect(links.map((l) => [l.kind, l.id]).sort()).toEqual([
      ['approval', approvalId],
      ['revocation', revocationId],
    ]);
  });

  it('links an existing action; an unknown one is 422, a resolved incident 409', async () => {
    const incident = await open();
    const revoked = await f.request({ method: 'POST', url: '/v1/revocations', payload: { target: 'jti', value: 'inc-later', reason: 'leaked' }, as: 'responder' });
    const revocationId = revoked.json<{ id: string }>().id;
    const linked = await f.request({ method: 'POST', url: `/v1/incidents/${incident.id}/links`, payload: { kind: 'revocation', id: revocationId }, as: 'responder' });
    expect(linked.statusCode).toBe(200);
    expect(linked.json<IncidentBody>().incident.links).toEqual([{ kind: 'revocation', id: revocationId, linked_at: expect.any(Number) }]);
    const unknown = await f.request({ method: 'POST', url: `/v1/incidents/${incident.id}/links`, payload: { kind: 'rotation', id: revocationId }, as: 'responder' });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json()).toMatchObject({ code: 'INCIDENT_LINK_TARGET_UNKNOWN' });
    await f.request({ method: 'PATCH', url: `/v1/incidents/${incident.id}`, payload: { status: 'resolved' }, as: 'responder' });
    const closed = await f.request({ method: 'POST', url: `/v1/incidents/${incident.id}/links`, payload: { kind: 'revocation', id: revocationId }, as: 'responder' });
    expect(closed.statusCode).toBe(409);
  });

  it('a rotation, a key compromise and a kill switch naming an incident are linked (the gated ones when approved)', async () => {
    const incident = await open();
    const links = async () => ((await f.request({ method: 'GET', url: `/v1/incidents/${incident.id}`, as: 'viewer' })).json<IncidentBody>().incident.links ?? []).map((l) => [l.kind, l.id]);

    const rotated = await f.request({ method: 'POST', url: '/v1/keys/rotate', payload: { reason: 'leaked', incident: incident.id } });
    expect(rotated.statusCode).toBe(201);
    const rotationId = rotated.json<{ id: string }>().id;
    expect(await links()).toEqual([['rotation', rotationId]]);

    const second = await f.newOperator('security-admin', 'incident-approver-2');
    const approve = async (res: { json<T>(): T }) => {
      const approvalId = res.json<{ approval: { id: string } }>().approval.id;
      const approved = await f.request({ method: 'POST', url: `/v1/approvals/${approvalId}/approve`, payload: {}, as: second });
      expect(approved.json()).toMatchObject({ approval: { state: 'executed' } });
      return { approvalId, result: approved.json<{ approval: { result: Record<string, unknown> } }>().approval.result };
    };

    const active = f.authority.core.keyStates().find((k) => k.state === 'active')!.kid;
    const compromised = await approve(await f.request({ method: 'POST', url: `/v1/keys/${active}/compromise`, payload: { reason: 'key on a stolen laptop', incident: incident.id } }));
    const engaged = await approve(await f.request({ method: 'POST', url: '/v1/kill-switch', payload: { audience: 'incident-api', lockdown: false, incident: incident.id } }));
    const seq = (f.authority.core.store.db.prepare(`SELECT max(seq) AS seq FROM audit_log WHERE action = 'kill-switch.engage'`).get() as { seq: number }).seq;
    expect((await links()).sort()).toEqual(
      [
        ['rotation', rotationId],
        ['approval', compromised.approvalId],
        ['key-compromise', active],
        ['rotation', String(compromised.result['id'])],
        ['approval', engaged.approvalId],
        ['kill-switch', String(seq)],
      ].sort(),
    );

    const unknown = await f.request({ method: 'POST', url: '/v1/kill-switch', payload: { lockdown: false, incident: 'no-such-incident' } });
    expect(unknown.statusCode).toBe(422);
    const pendingBefore = f.authority.core.approvals.list('pending').length;
    await f.request({ method: 'PATCH', url: `/v1/incidents/${incident.id}`, payload: { status: 'resolved' }, as: 'responder' });
    const closed = await f.request({ method: 'POST', url: `/v1/keys/${f.authority.core.keyStates().find((k) => k.state === 'active')!.kid}/compromise`, payload: { reason: 'r', incident: incident.id } });
    expect(closed.statusCode).toBe(409);
    expect(f.authority.core.approvals.list('pending')).toHaveLength(pendingBefore);
  });

  it('the timeline shows the revocation, each instance acknowledging it, blocked reports and the containment time', async () => {
    const incident = await open();
    const revoked = await f.request({ method: 'POST', url: '/v1/revocations', payload: { target: 'jti', value: 'inc-timeline', reason: 'leaked', incident: incident.id }, as: 'responder' });
    const revocationId = revoked.json<{ id: string }>().id;
    await published(revocationId);
    const now = f.clock.now();
    const eventId = f.authority.core.revocations.get(revocationId).eventId!;
    const base = { version: 1 as const, key_set_version: 1, sent_at: now };
    const heartbeat = (instance_id: string) => ({ ...base, type: SIDECAR_HEARTBEAT, instance_id, started_at: now - 60_000, ready: true, audiences: ['orders'], heartbeat_interval_ms: 5000 });
    f.authority.core.reports.recordReport(heartbeat('inc-orders-1'));
    f.authority.core.reports.recordReport(heartbeat('inc-orders-2'));
    f.authority.core.reports.recordReport({ ...base, type: SIDECAR_ACK, instance_id: 'inc-orders-1', event_id: eventId, event_type: 'revocation.issued', applied_at: now + 5 });
    f.authority.core.reports.flush();

    const pending = (await f.request({ method: 'GET', url: `/v1/incidents/${incident.id}/timeline`, as: 'viewer' })).json<{
      containment: { contained_at: number | null; why: string | null };
    }>();
    expect(pending.containment.contained_at).toBeNull();
    expect(pending.containment.why).toContain('inc-orders-2');

    // inc-orders-2 counts the requests it accepted with the token after the revocation; inc-orders-1 (an older sidecar) does not.
    f.authority.core.reports.recordReport({
      ...base,
      type: SIDECAR_ACK,
      instance_id: 'inc-orders-2',
      event_id: eventId,
      event_type: 'revocation.issued',
      applied_at: now + 9,
      accepted_after_revocation: 2,
    });
    f.authority.core.reports.recordReport({
      ...base,
      type: SIDECAR_BLOCKED,
      instance_id: 'inc-orders-2',
      window_start: now + 10,
      window_end: now + 20,
      results: { ok: 3, TOKEN_REVOKED: 1 },
      revoked: [{ code: 'TOKEN_REVOKED', jti: 'inc-timeline', revocation_id: revocationId, kid: null, count: 1, addresses: [] }],
    });
    f.authority.core.reports.flush();
    const res = await f.request({ method: 'GET', url: `/v1/incidents/${incident.id}/timeline`, as: 'viewer' });
    expect(res.statusCode).toBe(200);
    const timeline = res.json<{
      entries: { type: string; at: number; action?: string; instance_id?: string }[];
      coverage: { audience: string; instances: { instance_id: string; first_applied_at: number }[] }[];
      containment: { contained_at: number | null; accepted_after_revocation: { known: boolean; count: number | null; why: string | null } };
    }>();
    const kinds = timeline.entries.filter((e) => e.type !== 'alert').map((e) => (e.type === 'audit' ? e.action : e.type === 'instance.applied' || e.type === 'blocked' ? `${e.type} ${e.instance_id}` : e.type));
    expect(kinds).toEqual(['incidents.open', 'revocations.create', 'incidents.link', 'event.published', 'instance.applied inc-orders-1', 'instance.applied inc-orders-2', 'blocked inc-orders-2']);
    expect(timeline.entries.map((e) => e.at)).toEqual([...timeline.entries.map((e) => e.at)].sort((a, b) => a - b));
    expect(timeline.containment).toMatchObject({ contained_at: now + 9, accepted_after_revocation: { known: false, count: 2, why: expect.stringContaining('inc-orders-1') } });
    expect(timeline.coverage.find((s) => s.audience === 'orders')?.instances).toEqual([
      { instance_id: 'inc-orders-1', first_applied_at: now + 5, last_applied_at: now + 5, pending: [], accepted_after_revocation: null },
      { instance_id: 'inc-orders-2', first_applied_at: now + 9, last_applied_at: now + 9, pending: [], accepted_after_revocation: 2 },
    ]);
  });
  it('follow-ups are added (also once resolved) and marked done, audited; bad input changes nothing', async () => {
    const incident = await open();
    await f.request({ method: 'PATCH', url: `/v1/incidents/${incident.id}`, payload: { status: 'resolved' }, as: 'responder' });
    const url = `/v1/incidents/${incident.id}/follow-ups`;
    const added = await f.request({ method: 'POST', url, payload: { text: 'alert when an instance stops acknowledging', owner: 'sre team' }, as: 'responder' });
    expect(added.statusCode).toBe(201);
    const followUp = added.json<{ follow_up: { id: string; status: string; owner: string; created_by: string } }>().follow_up;
    expect(followUp).toMatchObject({ status: 'open', owner: 'sre team', created_by: (await f.operator('responder')).username });

    for (const payload of [{ text: '' }, { text: 'x', owner: '' }, { text: 'x', extra: 1 }, {}]) {
      expect((await f.request({ method: 'POST', url, payload, as: 'responder' })).statusCode).toBe(400);
    }
    expect((await f.request({ method: 'POST', url, payload: { text: 'x' }, as: 'viewer' })).statusCode).toBe(403);
    expect((await f.request({ method: 'POST', url: '/v1/incidents/nope/follow-ups', payload: { text: 'x' }, as: 'responder' })).statusCode).toBe(404);
    expect((await f.request({ method: 'PATCH', url: `${url}/nope`, payload: { status: 'done' }, as: 'responder' })).statusCode).toBe(404);
    expect((await f.request({ method: 'PATCH', url: `${url}/${followUp.id}`, payload: { status: 'finished' }, as: 'responder' })).statusCode).toBe(400);

    const done = await f.request({ method: 'PATCH', url: `${url}/${followUp.id}`, payload: { status: 'done' }, as: 'responder' });
    expect(done.json()).toMatchObject({ follow_up: { status: 'done', done_at: expect.any(Number) } });
    const listed = (await f.request({ method: 'GET', url, as: 'viewer' })).json<{ follow_ups: { id: string; status: string }[] }>().follow_ups;
    expect(listed.map((x) => [x.id, x.status])).toEqual([[followUp.id, 'done']]);
    const audited = f.authority.core.store.db
      .prepare(`SELECT action, justification FROM audit_log WHERE target = ? AND action LIKE 'incidents.follow-up.%' ORDER BY seq`)
      .all(incident.id) as { action: string }[];
    expect(audited.map((a) => a.action)).toEqual(['incidents.follow-up.add', 'incidents.follow-up.done']);
  });

  it('the report gives containment per instance, what was overlooked and the follow-ups, as the documented schema', async () => {
    const incident = await open({ title: 'report <script>alert(1)</script>', severity: 'critical' });
    // An instance that stopped reporting after the opening but before the revocation had nothing to apply: not judged.
    const openedAt = f.clock.now();
    f.authority.core.reports.recordReport({
      version: 1,
      key_set_version: 1,
      sent_at: openedAt,
      type: SIDECAR_HEARTBEAT,
      instance_id: 'rep-pay-old',
      started_at: openedAt - 60_000,
      ready: true,
      audiences: ['payments'],
      heartbeat_interval_ms: 5000,
    });
    f.authority.core.reports.flush();
    f.clock.advance(60_000);
    const revoked = await f.request({ method: 'POST', url: '/v1/revocations', payload: { target: 'jti', value: 'inc-report', reason: 'leaked', incident: incident.id }, as: 'responder' });
    const revocationId = revoked.json<{ id: string }>().id;
    await published(revocationId);
    const now = f.clock.now();
    const eventId = f.authority.core.revocations.get(revocationId).eventId!;
    const base = { version: 1 as const, key_set_version: 1, sent_at: now };
    for (const instance_id of ['rep-pay-1', 'rep-pay-2']) {
      f.authority.core.reports.recordReport({ ...base, type: SIDECAR_HEARTBEAT, instance_id, started_at: now - 60_000, ready: true, audiences: ['payments'], heartbeat_interval_ms: 5000 });
    }
    f.authority.core.reports.recordReport({ ...base, type: SIDECAR_ACK, instance_id: 'rep-pay-1', event_id: eventId, event_type: 'revocation.issued', applied_at: now + 5 });
    f.authority.core.reports.flush();
    await f.request({ method: 'POST', url: `/v1/incidents/${incident.id}/follow-ups`, payload: { text: 'find why rep-pay-2 never acknowledged' }, as: 'responder' });

    const res = await f.request({ method: 'GET', url: `/v1/incidents/${incident.id}/report?late_after_ms=1`, as: 'viewer' });
    expect(res.statusCode).toBe(200);
    const report = incidentReportSchema.parse(res.json());
    expect(report.incident).toMatchObject({ id: incident.id, title: 'report <script>alert(1)</script>' });
    const payments = report.containment.find((s) => s.audience === 'payments');
    const accepted = report.containing_actions.find((c) => c.action_id === revocationId)!.accepted_at;
    expect(payments?.instances.map((i) => [i.instance_id, i.status, i.time_to_apply_ms])).toEqual([
      ['rep-pay-1', 'applied', now + 5 - accepted],
      ['rep-pay-2', 'pending', null],
    ]);
    expect(report.overlooked.never_acknowledged.map((i) => i.instance_id)).toContain('rep-pay-2');
    expect(report.summary.contained_at).toBeNull();
    expect(report.follow_ups.map((x) => x.text)).toEqual(['find why rep-pay-2 never acknowledged']);
    expect(report.decisions.find((d) => d.action === 'revocations.create' && d.target === revocationId)).toMatchObject({ actor: { kind: 'operator' }, role: 'responder' });
    expect(report.late_after_ms).toBe(1);

    for (const bad of ['0', '-5', 'abc', '99999999999']) {
      expect((await f.request({ method: 'GET', url: `/v1/incidents/${incident.id}/report?late_after_ms=${bad}`, as: 'viewer' })).statusCode).toBe(400);
    }
    expect((await f.request({ method: 'GET', url: '/v1/incidents/nope/report', as: 'viewer' })).statusCode).toBe(404);
  });
});
