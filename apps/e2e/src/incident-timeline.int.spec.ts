import type { Sidecar } from '@revmesh/sidecar';
import { claimsOf, issueToken, startAuthority, type AuthorityHandle } from './support/authority-process';
import { startSidecars } from './support/sidecars';
import { eventually, uniquePrefix } from './support/wait';

interface Timeline {
  incident: { id: string; links: { kind: string; id: string }[] };
  entries: { at: number; type: string; action?: string; target?: string | null; action_id?: string; instance_id?: string }[];
  coverage: { audience: string; instances: { instance_id: string; first_applied_at: number | null; last_applied_at: number | null; pending: string[] }[] }[];
  containment: { contained_at: number | null; why: string | null; accepted_after_revocation: { known: boolean; count: number | null } };
}

/**
 * An incident through the real broker: opened, a token revoked for it (`incident` on the
 * request), two sidecars apply the revocation and acknowledge it on the acks topic; the
 * incident's timeline shows the revocation, each instance's acknowledgement and the moment the
 * incident was contained.
 */
describe('incident timeline through the real broker', () => {
  let authority: AuthorityHandle;
  let sidecars: Sidecar[];

  beforeAll(async () => {
    authority = await startAuthority({ brokers: process.env['KAFKA_BROKERS']!, topicPrefix: uniquePrefix('incident') });
    sidecars = await startSidecars(authority, 2);
  });
  afterAll(async () => {
    await Promise.all((sidecars ?? []).map((s) => s.close()));
    await authority?.process.stop();
  });

  it('shows the revocation, each instance acknowledging it, and the containment time', async () => {
    const opened = await authority.admin.request('POST', '/v1/incidents', { title: 'token leaked in a CI log', severity: 'high' });
    expect(opened.status).toBe(201);
    const incidentId = (opened.body['incident'] as { id: string }).id;

    const token = await issueToken(authority);
    for (const sidecar of sidecars) expect(await sidecar.verify(token)).toMatchObject({ ok: true });
    const revoked = await authority.admin.request('POST', '/v1/revocations', { target: 'jti', value: String(claimsOf(token)['jti']), reason: 'leaked in CI', incident: incidentId });
    expect(revoked.status).toBe(202);
    const revocationId = String(revoked.body['id']);

    for (const sidecar of sidecars) await eventually(`${sidecar.instanceId} rejects the revoked token`, async () => !(await sidecar.verify(token)).ok);

    const timelineUrl = `/v1/incidents/${incidentId}/timeline`;
    let timeline: Timeline | undefined;
    await eventually(
      'the authority heard both acknowledgements',
      async () => {
        timeline = (await authority.admin.request('GET', timelineUrl)).body as unknown as Timeline;
        return timeline.containment.contained_at !== null;
      },
      30_000,
    );
    const t = timeline!;
    expect(t.incident.links).toEqual([{ kind: 'revocation', id: revocationId, linked_at: expect.any(Number) }]);

    const applied = t.entries.filter((e) => e.type === 'instance.applied' && e.action_id === revocationId);
    expect(applied.map((e) => e.instance_id).sort()).toEqual(sidecars.map((s) => s.instanceId).sort());
    const created = t.entries.find((e) => e.type === 'audit' && e.action === 'revocations.create' && e.target === revocationId);
    const published = t.entries.find((e) => e.type === 'event.published' && e.action_id === revocationId);
    expect(created).toBeDefined();
    expect(published).toBeDefined();
    // One ordered timeline: opened, revoked, published, then each acknowledgement.
    const order = (e: unknown) => t.entries.indexOf(e as Timeline['entries'][number]);
    expect(order(t.entries.find((e) => e.action === 'incidents.open'))).toBeLessThan(order(created));
    expect(order(created)).toBeLessThan(order(published));
    for (const ack of applied) expect(order(published)).toBeLessThan(order(ack));
    expect(t.entries.map((e) => e.at)).toEqual([...t.entries.map((e) => e.at)].sort((a, b) => a - b));

    // Contained when the last live instance acknowledged (both sidecars are the only live ones).
    expect(t.containment.contained_at).toBe(Math.max(...applied.map((e) => e.at)));
    expect(t.containment.accepted_after_revocation).toMatchObject({ known: false, count: null });
    const service = t.coverage.find((s) => s.audience === 'demo-api');
    expect(service?.instances.map((i) => [i.instance_id, i.pending])).toEqual(sidecars.map((s) => [s.instanceId, []]).sort());
  });
});
