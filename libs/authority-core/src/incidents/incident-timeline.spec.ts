import type { EventCoverage, SidecarInstance } from '../reports/instance-directory';
import type { IncidentWithLinks } from './incident-service';
import { buildIncidentTimeline, type TimelineSources } from './incident-timeline';

const T0 = Date.UTC(2030, 0, 1, 12);
const incident: IncidentWithLinks = {
  id: 'inc-1',
  title: 'leaked token',
  severity: 'high',
  owner: 'alice',
  kind: 'incident',
  status: 'open',
  createdAt: T0,
  updatedAt: T0,
  links: [{ kind: 'revocation', actionId: 'rev-1', linkedAt: T0 + 10 }],
};
const instance = (instanceId: string, audiences: string[]): SidecarInstance => ({
  instanceId,
  startedAt: T0 - 60_000,
  lastHeartbeatAt: T0,
  ready: true,
  keySetVersion: 3,
  audiences,
  heartbeatIntervalMs: 5000,
  firstSeenAt: T0 - 60_000,
});
const live = [instance('orders-1', ['orders']), instance('orders-2', ['orders']), instance('billing-1', ['billing'])];

/** `counts`: the accepted-after-revocation count each ack carried (absent: an older sidecar's ack). */
function coverage(applied: Record<string, number>, pending: string[] = [], counts: Record<string, number> = {}): EventCoverage {
  return {
    eventId: 'ev-1',
    publishedAt: T0 + 20,
    liveInstances: live.length,
    applied: Object.entries(applied).map(([instanceId, appliedAt]) => ({
      instanceId,
      status: 'applied' as const,
      appliedAt,
      via: 'ack' as const,
      ...(counts[instanceId] === undefined ? {} : { acceptedAfterRevocation: counts[instanceId] }),
    })),
    coveredAtStart: [],
    pending: pending.map((instanceId) => ({ instanceId, status: 'pending' as const, lastHeartbeatAt: T0 })),
    complete: pending.length === 0,
  };
}

const sources = (over: Partial<TimelineSources> = {}): TimelineSources => ({
  incident,
  now: T0 + 10_000,
  audit: [
    { seq: 8, at: T0 + 10, action: 'revocations.create', outcome: 'succeeded', target: 'rev-1', actor: { kind: 'operator', id: 'alice' } },
    { seq: 7, at: T0, action: 'incidents.open', outcome: 'succeeded', target: 'inc-1', actor: { kind: 'operator', id: 'alice' } },
    { seq: 9, at: T0 + 10, action: 'incidents.link', outcome: 'succeeded', target: 'inc-1', actor: { kind: 'operator', id: 'alice' } },
  ],
  approvals: [],
  containing: [{ kind: 'revocation', actionId: 'rev-1', audience: null, acceptedAt: T0 + 10, coverage: coverage({ 'orders-1': T0 + 40, 'orders-2': T0 + 90, 'billing-1': T0 + 30 }) }],
  live,
  alerts: [{ alertId: 'al-1', kind: 'revoked_token_use', severity: 'warning', summary: 'revoked token presented', firstSeen: T0 + 40, count: 2 }],
  blocked: [{ instanceId: 'orders-1', windowStart: T0 + 35, windowEnd: T0 + 40, code: 'TOKEN_REVOKED', revocationId: 'rev-1', jti: 'j', kid: null, count: 2 }],
  ...over,
});

describe('incident timeline', () => {
  it('orders every source by time, cause before effect at the same instant, audit entries by seq', () => {
    const { entries } = buildIncidentTimeline(sources());
    expect(entries.map((e) => `${e.at - T0} ${e.type}${'action' in e && e.type === 'audit' ? ` ${e.action}` : ''}${'instanceId' in e ? ` ${e.instanceId}` : ''}`)).toEqual([
      '0 audit incidents.open',
      '10 audit revocations.create',
      '10 audit incidents.link',
      '20 event.published',
      '30 instance.applied billing-1',
      '40 instance.applied orders-1',
      '40 blocked orders-1',
      '40 alert',
      '90 instance.applied orders-2',
    ]);
  });

  it('shows approvals as requested and decided', () => {
    const { entries } = buildIncidentTimeline(
      sources({ approvals: [{ id: 'ap-1', action: 'revocations.client_id', state: 'executed', requestedAt: T0 + 1, requestedBy: 'alice', decidedAt: T0 + 5, decidedBy: 'bob' }] }),
    );
    expect(entries.filter((e) => e.type.startsWith('approval')).map((e) => [e.type, e.at - T0, 'by' in e ? e.by : null])).toEqual([
      ['approval.requested', 1, 'alice'],
      ['approval.decided', 5, 'bob'],
    ]);
  });

  it('is contained when the last live instance acknowledged, with first/last ack per instance per service', () => {
    const timeline = buildIncidentTimeline(sources());
    expect(timeline.containment).toMatchObject({ containedAt: T0 + 90, why: null });
    expect(timeline.coverage).toEqual([
      { audience: 'billing', instances: [{ instanceId: 'billing-1', firstAppliedAt: T0 + 30, lastAppliedAt: T0 + 30, pending: [], acceptedAfterRevocation: null }] },
      {
        audience: 'orders',
        instances: [
          { instanceId: 'orders-1', firstAppliedAt: T0 + 40, lastAppliedAt: T0 + 40, pending: [], acceptedAfterRevocation: null },
          { instanceId: 'orders-2', firstAppliedAt: T0 + 90, lastAppliedAt: T0 + 90, pending: [], acceptedAfterRevocation: null },
        ],
      },
    ]);
  });

  it('takes the latest acknowledgement over several containing actions', () => {
    const second = { ...coverage({ 'orders-1': T0 + 500, 'orders-2': T0 + 60, 'billing-1': T0 + 70 }), eventId: 'ev-2' };
    const timeline = buildIncidentTimeline(
      sources({ containing: [...sources().containing, { kind: 'revocation', actionId: 'rev-2', audience: null, acceptedAt: T0 + 50, coverage: second }] }),
    );
    expect(timeline.containment.containedAt).toBe(T0 + 500);
    expect(timeline.coverage.find((s) => s.audience === 'orders')?.instances[0]).toEqual({ instanceId: 'orders-1', firstAppliedAt: T0 + 40, lastAppliedAt: T0 + 500, pending: [], acceptedAfterRevocation: null });
  });

  it('is not contained while a live instance is pending, and says which', () => {
    const timeline = buildIncidentTimeline(
      sources({ containing: [{ kind: 'revocation', actionId: 'rev-1', audience: null, acceptedAt: T0 + 10, coverage: coverage({ 'orders-1': T0 + 40 }, ['orders-2', 'billing-1']) }] }),
    );
    expect(timeline.containment.containedAt).toBeNull();
    expect(timeline.containment.why).toBe('live instances have not acknowledged: orders-2 (revocation rev-1), billing-1 (revocation rev-1)');
    expect(timeline.coverage.find((s) => s.audience === 'billing')?.instances[0]?.pending).toEqual(['rev-1']);
  });

  it('is not contained without a containing action, before publication, or with nobody listening', () => {
    expect(buildIncidentTimeline(sources({ containing: [] })).containment.why).toBe('no containing action (revocation, key compromise, kill switch) is linked to the incident');
    expect(buildIncidentTimeline(sources({ containing: [{ kind: 'revocation', actionId: 'rev-1', audience: null, acceptedAt: T0, coverage: null }] })).containment.why).toBe(
      'not yet published: revocation rev-1',
    );
    expect(buildIncidentTimeline(sources({ live: [], containing: [{ kind: 'revocation', actionId: 'rev-1', audience: null, acceptedAt: T0, coverage: { ...coverage({}), liveInstances: 0 } }] })).containment.why).toMatch(
      /^no live sidecar instance/,
    );
  });

  it('counts requests accepted after the revocation from the acks, per instance and in total (0 included)', () => {
    const applied = { 'orders-1': T0 + 40, 'orders-2': T0 + 90, 'billing-1': T0 + 30 };
    const second = { ...coverage(applied, [], { 'orders-1': 1, 'orders-2': 0, 'billing-1': 0 }), eventId: 'ev-2' };
    const timeline = buildIncidentTimeline(
      sources({
        containing: [
          { kind: 'revocation', actionId: 'rev-1', audience: null, acceptedAt: T0 + 10, coverage: coverage(applied, [], { 'orders-1': 3, 'orders-2': 0, 'billing-1': 0 }) },
          { kind: 'revocation', actionId: 'rev-2', audience: null, acceptedAt: T0 + 10, coverage: second },
        ],
      }),
    );
    expect(timeline.containment.acceptedAfterRevocation).toEqual({ known: true, count: 4, why: null });
    const counts = timeline.coverage.flatMap((s) => s.instances.map((i) => [i.instanceId, i.acceptedAfterRevocation]));
    expect(counts).toEqual([
      ['billing-1', 0],
      ['orders-1', 4],
      ['orders-2', 0],
    ]);
  });

  it('is unknown for instances on older sidecars (no count) or not yet acknowledged, and says which', () => {
    const older = buildIncidentTimeline(
      sources({ containing: [{ kind: 'revocation', actionId: 'rev-1', audience: null, acceptedAt: T0 + 10, coverage: coverage({ 'orders-1': T0 + 40, 'orders-2': T0 + 50 }, ['billing-1'], { 'orders-1': 2 }) }] }),
    );
    expect(older.containment.acceptedAfterRevocation).toEqual({
      known: false,
      count: 2,
      why: 'acknowledged without a count (a sidecar older than the count): orders-2; not acknowledged yet: billing-1 (count covers the other instances only)',
    });
    expect(older.coverage.flatMap((s) => s.instances.map((i) => i.acceptedAfterRevocation))).toEqual([null, 2, null]);
    expect(buildIncidentTimeline(sources()).containment.acceptedAfterRevocation).toMatchObject({ known: false, count: null });
  });

  it('does not count for key compromises and kill switches (sidecars count revocations only)', () => {
    const keyOnly = buildIncidentTimeline(sources({ containing: [{ kind: 'key-compromise', actionId: 'k1', audience: null, acceptedAt: T0 + 10, coverage: coverage({ 'orders-1': T0 + 40 }) }] }));
    expect(keyOnly.containment.acceptedAfterRevocation).toMatchObject({ known: false, count: null, why: expect.stringContaining('no revocation is linked') });
  });

  it('a kill switch of one audience waits only for that audience\'s instances', () => {
    const killSwitch = {
      ...coverage({ 'orders-1': T0 + 200, 'orders-2': T0 + 300 }),
      eventId: 'ev-ks',
      liveInstances: 2,
    };
    const timeline = buildIncidentTimeline(sources({ containing: [{ kind: 'kill-switch', actionId: '42', audience: 'orders', acceptedAt: T0 + 100, coverage: killSwitch }] }));
    expect(timeline.containment.containedAt).toBe(T0 + 300);
    expect(timeline.coverage.find((s) => s.audience === 'billing')?.instances[0]).toEqual({ instanceId: 'billing-1', firstAppliedAt: null, lastAppliedAt: null, pending: [], acceptedAfterRevocation: null });
  });
});
