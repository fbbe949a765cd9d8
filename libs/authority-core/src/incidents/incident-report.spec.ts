import { incidentReportSchema } from '@revmesh/contracts';
import type { EventCoverage, SidecarInstance } from '../reports/instance-directory';
import type { IncidentFollowUp } from './incident-follow-ups';
import { buildIncidentReport } from './incident-report';
import type { IncidentWithLinks } from './incident-service';
import { buildIncidentTimeline, type TimelineSources } from './incident-timeline';

const T0 = Date.UTC(2030, 0, 1, 12);
const incident: IncidentWithLinks = {
  id: 'inc-1',
  title: 'leaked token <script>alert(1)</script>',
  severity: 'high',
  owner: 'alice',
  kind: 'incident',
  status: 'open',
  createdAt: T0,
  updatedAt: T0,
  links: [
    { kind: 'revocation', actionId: 'rev-1', linkedAt: T0 + 10 },
    { kind: 'approval', actionId: 'ap-1', linkedAt: T0 + 20 },
  ],
};
const instance = (instanceId: string, audiences: string[], over: Partial<SidecarInstance> = {}): SidecarInstance => ({
  instanceId,
  startedAt: T0 - 60_000,
  lastHeartbeatAt: T0 + 9000,
  ready: true,
  keySetVersion: 3,
  audiences,
  heartbeatIntervalMs: 5000,
  firstSeenAt: T0 - 60_000,
  ...over,
});
// orders-3 stopped reporting before it acknowledged; billing-2 started after the event was published.
const population = [
  instance('orders-1', ['orders']),
  instance('orders-2', ['orders']),
  instance('orders-3', ['orders'], { lastHeartbeatAt: T0 + 15 }),
  instance('billing-1', ['billing']),
  instance('billing-2', ['billing'], { startedAt: T0 + 500 }),
];
const coverage: EventCoverage = {
  eventId: 'ev-1',
  publishedAt: T0 + 20,
  liveInstances: population.length,
  applied: [
    { instanceId: 'orders-1', status: 'applied', appliedAt: T0 + 40, via: 'ack' },
    { instanceId: 'orders-2', status: 'applied', appliedAt: T0 + 2510, via: 'ack' },
    { instanceId: 'billing-1', status: 'applied', appliedAt: T0 + 30, via: 'ack' },
  ],
  coveredAtStart: [{ instanceId: 'billing-2', status: 'covered_at_start', startedAt: T0 + 500 }],
  pending: [{ instanceId: 'orders-3', status: 'pending', lastHeartbeatAt: T0 + 15 }],
  complete: false,
};
const sources: TimelineSources = {
  incident,
  now: T0 + 10_000,
  audit: [
    { seq: 7, at: T0, action: 'incidents.open', outcome: 'succeeded', target: 'inc-1', actor: { kind: 'operator', id: 'alice' }, role: 'responder', justification: 'INC-311 on-call' },
    { seq: 8, at: T0 + 10, action: 'revocations.create', outcome: 'succeeded', target: 'rev-1', actor: { kind: 'operator', id: 'alice' }, role: 'responder', justification: 'leaked in CI' },
    { seq: 9, at: T0 + 20, action: 'approvals.approve', outcome: 'succeeded', target: 'ap-1', actor: { kind: 'operator', id: 'bob' } },
  ],
  approvals: [
    { id: 'ap-1', action: 'kill-switch.engage', state: 'approved', requestedAt: T0 + 5, requestedBy: 'alice', decidedAt: T0 + 20, decidedBy: 'bob' },
    { id: 'ap-2', action: 'keys.compromise', state: 'pending', requestedAt: T0 + 6, requestedBy: 'alice', decidedAt: null, decidedBy: null },
  ],
  containing: [{ kind: 'revocation', actionId: 'rev-1', audience: null, acceptedAt: T0 + 10, coverage }],
  live: population,
  alerts: [{ alertId: 'al-1', kind: 'revoked_token_use', severity: 'warning', summary: 'revoked token presented', firstSeen: T0 + 40, count: 2 }],
  blocked: [],
};
const followUp: IncidentFollowUp = {
  id: 'fu-1',
  incidentId: 'inc-1',
  text: 'page the orders team when an instance stops reporting',
  owner: 'orders team',
  status: 'open',
  createdAt: T0 + 9000,
  createdBy: 'alice',
  doneAt: null,
  doneBy: null,
};

const report = (over: Partial<TimelineSources> = {}, lateAfterMs = 1000) => {
  const s = { ...sources, ...over };
  return buildIncidentReport({ sources: s, timeline: buildIncidentTimeline(s), followUps: [followUp], liveNow: new Set(['orders-1', 'orders-2', 'billing-1', 'billing-2']), lateAfterMs });
};

describe('post-incident report', () => {
  it('is a valid report of the API contract', () => {
    expect(() => incidentReportSchema.parse(report())).not.toThrow();
  });

  it('gives per instance of each service its status and time to apply (acknowledgement minus acceptance)', () => {
    const r = report();
    expect(r.containment.map((s) => s.audience)).toEqual(['billing', 'orders']);
    const rows = r.containment.flatMap((s) => s.instances.map((i) => [s.audience, i.instance_id, i.status, i.time_to_apply_ms, i.applied_at === null ? null : i.applied_at - T0, i.gone]));
    expect(rows).toEqual([
      ['billing', 'billing-1', 'applied', 20, 30, false],
      ['billing', 'billing-2', 'covered_at_start', null, 500, false],
      ['orders', 'orders-1', 'applied', 30, 40, false],
      ['orders', 'orders-2', 'applied', 2500, 2510, false],
      ['orders', 'orders-3', 'pending', null, null, true],
    ]);
    expect(r.containment[0]?.contained_at).toBe(T0 + 500);
    expect(r.containment[1]?.contained_at).toBeNull();
  });

  it('steps coverage over time from the acceptance, one step per instance done', () => {
    const [billing, orders] = report().containment;
    expect(billing?.coverage_over_time.map((p) => [p.at - T0, p.applied, p.of])).toEqual([
      [10, 0, 2],
      [30, 1, 2],
      [500, 2, 2],
    ]);
    expect(orders?.coverage_over_time.map((p) => [p.at - T0, p.applied, p.of])).toEqual([
      [10, 0, 3],
      [40, 1, 3],
      [2510, 2, 3],
    ]);
  });

  it('lists what was overlooked: never acknowledged (gone), late, accepted after revocation unknown, undecided approvals', () => {
    const { overlooked, summary } = report();
    expect(overlooked.never_acknowledged).toEqual([{ instance_id: 'orders-3', audiences: ['orders'], pending: ['rev-1'], last_heartbeat_at: T0 + 15, gone: true }]);
    expect(overlooked.late).toEqual([{ instance_id: 'orders-2', audiences: ['orders'], time_to_apply_ms: 2500 }]);
    expect(overlooked.accepted_after_revocation).toMatchObject({ known: false, count: null });
    expect(overlooked.notes).toEqual(['approval ap-2 (keys.compromise) requested by alice was never decided (pending)']);
    expect(summary).toMatchObject({ contained_at: null, time_to_contain_ms: null, instances: 5, instances_pending: 1, services: 2, approvals: 2, alerts: 1, open_follow_ups: 1 });
    expect(summary.not_contained_why).toContain('orders-3');
    expect(report({}, 5000).overlooked.late).toEqual([]);
  });

  it('gives per instance the requests accepted after the revocation its ack counted, unknown for older sidecars', () => {
    const counted: EventCoverage = {
      ...coverage,
      applied: [
        { instanceId: 'orders-1', status: 'applied', appliedAt: T0 + 40, via: 'ack', acceptedAfterRevocation: 3 },
        { instanceId: 'orders-2', status: 'applied', appliedAt: T0 + 2510, via: 'ack', acceptedAfterRevocation: 0 },
        { instanceId: 'billing-1', status: 'applied', appliedAt: T0 + 30, via: 'ack' },
      ],
    };
    const r = report({ containing: [{ kind: 'revocation', actionId: 'rev-1', audience: null, acceptedAt: T0 + 10, coverage: counted }] });
    expect(() => incidentReportSchema.parse(r)).not.toThrow();
    expect(r.containment.flatMap((s) => s.instances.map((i) => [i.instance_id, i.accepted_after_revocation]))).toEqual([
      ['billing-1', null],
      ['billing-2', null],
      ['orders-1', 3],
      ['orders-2', 0],
      ['orders-3', null],
    ]);
    expect(r.overlooked.accepted_after_revocation).toMatchObject({ known: false, count: 3, why: expect.stringContaining('billing-1') });
    const all: EventCoverage = { ...counted, applied: counted.applied.map((a) => ({ ...a, acceptedAfterRevocation: a.acceptedAfterRevocation ?? 1 })), pending: [], complete: true };
    const known = report({ live: population.filter((i) => i.instanceId !== 'orders-3'), containing: [{ kind: 'revocation', actionId: 'rev-1', audience: null, acceptedAt: T0 + 10, coverage: all }] });
    expect(known.overlooked.accepted_after_revocation).toEqual({ known: true, count: 4, why: null });
  });

  it('is contained when every instance applied, and says who decided what with which justification', () => {
    const complete: EventCoverage = { ...coverage, applied: [...coverage.applied, { instanceId: 'orders-3', status: 'applied', appliedAt: T0 + 60, via: 'ack' }], pending: [], complete: true };
    const r = report({ containing: [{ ...sources.containing[0]!, coverage: complete }] });
    expect(r.summary).toMatchObject({ contained_at: T0 + 2510, time_to_contain_ms: 2510, not_contained_why: null, instances_pending: 0 });
    expect(r.decisions.map((d) => [d.action, d.actor.id, d.role, d.justification])).toEqual([
      ['incidents.open', 'alice', 'responder', 'INC-311 on-call'],
      ['revocations.create', 'alice', 'responder', 'leaked in CI'],
      ['approvals.approve', 'bob', null, null],
    ]);
    expect(r.approvals.map((a) => [a.id, a.decided_by, a.wait_ms])).toEqual([
      ['ap-1', 'bob', 15],
      ['ap-2', null, null],
    ]);
    expect(r.follow_ups).toEqual([{ id: 'fu-1', text: followUp.text, owner: 'orders team', status: 'open', created_at: T0 + 9000, created_by: 'alice', done_at: null, done_by: null }]);
    expect(r.incident.title).toBe(incident.title);
  });

  it('notes when nothing containing is linked', () => {
    const r = report({ containing: [] });
    expect(r.containment).toEqual([]);
    expect(r.overlooked.notes[0]).toMatch(/no containing action/);
    expect(r.summary.not_contained_why).toMatch(/no containing action/);
  });
});
