import { topicNames } from '@revmesh/contracts';
import { createSidecar, type Sidecar } from '@revmesh/sidecar';
import { createKafkaTransport, type EventTransport, type TopicReader } from '@revmesh/transport';
import { claimsOf, issueToken, startAuthority, type AuthorityHandle } from './support/authority-process';
import { fetchEventSigners, startSidecars } from './support/sidecars';
import { eventually, uniquePrefix } from './support/wait';

/**
 * A Kafka transport whose reader of `topic` hands records on only while the gate is open: a
 * sidecar that misses the revocation for a while (a slow or cut-off consumer), on demand.
 */
function gatedTransport(inner: EventTransport, topic: string) {
  let gate: Promise<void> | undefined;
  let open = (): void => undefined;
  const transport: EventTransport = {
    ensureTopics: (specs) => inner.ensureTopics(specs),
    createPublisher: (options) => inner.createPublisher(options),
    close: () => inner.close(),
    createReader(options) {
      const reader = inner.createReader(options);
      if (options.topic !== topic) return reader;
      const gated: TopicReader = {
        start: (handler) =>
          reader.start(async (record) => {
            if (gate) await gate;
            return handler(record);
          }),
        caughtUp: reader.caughtUp,
        lag: () => reader.lag(),
        stop: () => reader.stop(),
      };
      return gated;
    },
  };
  return {
    transport,
    hold(): void {
      gate = new Promise<void>((resolve) => (open = resolve));
    },
    release(): void {
      gate = undefined;
      open();
    },
  };
}

interface Timeline {
  incident: { id: string; links: { kind: string; id: string }[] };
  entries: { at: number; type: string; action?: string; target?: string | null; action_id?: string; instance_id?: string }[];
  coverage: {
    audience: string;
    instances: { instance_id: string; first_applied_at: number | null; last_applied_at: number | null; pending: string[]; accepted_after_revocation: number | null }[];
  }[];
  containment: { contained_at: number | null; why: string | null; accepted_after_revocation: { known: boolean; count: number | null } };
}

/**
 * An incident through the real broker: opened, a token revoked for it (`incident` on the
 * request), two sidecars apply the revocation and acknowledge it on the acks topic; the
 * incident's timeline shows the revocation, each instance's acknowledgement and the moment the
 * incident was contained. The second sidecar gets the revocation late (its reader is held): the
 * requests it accepted with the leaked token meanwhile are counted in its ack and the containment.
 */
describe('incident timeline through the real broker', () => {
  let authority: AuthorityHandle;
  let sidecars: Sidecar[];
  let late: ReturnType<typeof gatedTransport>;

  beforeAll(async () => {
    const topicPrefix = uniquePrefix('incident');
    authority = await startAuthority({ brokers: process.env['KAFKA_BROKERS']!, topicPrefix });
    const [prompt] = await startSidecars(authority, 1);
    late = gatedTransport(createKafkaTransport({ brokers: process.env['KAFKA_BROKERS']!.split(','), clientId: 'e2e-sidecar-late' }), topicNames(topicPrefix).revocations);
    const slow = createSidecar({
      issuer: authority.url,
      audience: 'demo-api',
      eventSigners: await fetchEventSigners(authority),
      heartbeatIntervalMs: 1000,
      transport: late.transport,
      topicPrefix,
      instanceId: 'e2e-sidecar-late',
    });
    await slow.start();
    await slow.ready;
    sidecars = [prompt!, slow];
  });
  afterAll(async () => {
    late?.release();
    await Promise.all((sidecars ?? []).map((s) => s.close()));
    // A transport given to the sidecar is the caller's to close.
    await late?.transport.close();
    await authority?.process.stop();
  });

  it('shows the revocation, each instance acknowledging it, and the containment time', async () => {
    const opened = await authority.admin.request('POST', '/v1/incidents', { title: 'token leaked in a CI log', severity: 'high' });
    expect(opened.status).toBe(201);
    const incidentId = (opened.body['incident'] as { id: string }).id;

    const token = await issueToken(authority);
    for (const sidecar of sidecars) expect(await sidecar.verify(token)).toMatchObject({ ok: true });
    const [prompt, slow] = sidecars as [Sidecar, Sidecar];
    late.hold();
    const revoked = await authority.admin.request('POST', '/v1/revocations', { target: 'jti', value: String(claimsOf(token)['jti']), reason: 'leaked in CI', incident: incidentId });
    expect(revoked.status).toBe(202);
    const revocationId = String(revoked.body['id']);
    const revokedAt = Number(revoked.body['revoked_at']);
    // Accept times are compared with revoked_at in whole ms: begin strictly after it.
    await eventually('the clock passed revoked_at', () => Date.now() > revokedAt);

    // The prompt sidecar applies it (checked without presenting the token: that would count).
    await eventually(`${prompt.instanceId} applied the revocation`, () => prompt.appliedRevocation(revocationId) !== undefined);
    expect(await prompt.verify(token)).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });
    // The late one has not heard of it yet: it still accepts the leaked token, three times.
    for (let i = 0; i < 3; i++) expect(await slow.verify(token)).toMatchObject({ ok: true });
    late.release();
    await eventually(`${slow.instanceId} applied the revocation`, () => slow.appliedRevocation(revocationId) !== undefined);
    expect(await slow.verify(token)).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });

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
    // Each sidecar counted, when it applied the revocation, what it had accepted since: the late one 3.
    expect(t.containment.accepted_after_revocation).toEqual({ known: true, count: 3, why: null });
    const service = t.coverage.find((s) => s.audience === 'demo-api');
    expect(service?.instances.map((i) => [i.instance_id, i.pending, i.accepted_after_revocation])).toEqual(
      [
        [prompt.instanceId, [], 0],
        [slow.instanceId, [], 3],
      ].sort(),
    );
  });
});
