import { assessDrill, type DrillMeasurements } from './assess-drill';

const base = (over: Partial<DrillMeasurements> = {}): DrillMeasurements => ({
  objectiveMs: 1000,
  audience: 'api',
  probes: [{ url: 'http://a/probe', instanceId: 'a', firstRejectionAt: 10_100, rejectionCode: 'TOKEN_REVOKED', acceptedAfterResponse: 1, acceptedAfterDeadline: 0, unreachable: 0 }],
  instancesAtStart: [
    { instanceId: 'a', live: true, audiences: ['api'], lastHeartbeatAt: 0 },
    { instanceId: 'b', live: true, audiences: ['api'], lastHeartbeatAt: 0 },
    { instanceId: 'other', live: true, audiences: ['billing'], lastHeartbeatAt: 0 },
  ],
  instancesAtEnd: [
    { instanceId: 'a', live: true, audiences: ['api'], lastHeartbeatAt: 0 },
    { instanceId: 'b', live: false, audiences: ['api'], lastHeartbeatAt: 5_000 },
  ],
  ackMs: new Map([['a', 80], ['b', null]]),
  responseAt: 10_000,
  knownStale: new Map(),
  approvals: [],
  timeline: { actions: [{ kind: 'revocation', id: 'r1', acceptedAt: 50_000 }], applied: [], alerts: [], containedAt: null, why: null },
  expectedAlerts: [],
  ...over,
});

describe('assessDrill', () => {
  it('judges an instance no probe reached by its acknowledgement, and flags one that went silent as stale', () => {
    const { instances, overlooked, verdict } = assessDrill(base());
    expect(instances.map((i) => [i.instanceId, i.contained])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    const b = instances[1]!;
    expect(b.why).toContain('never acknowledged the response');
    expect(b.stale).toContain('stopped sending heartbeats during the drill');
    expect(overlooked.map((o) => [o.kind, o.subject])).toEqual([
      ['never-acknowledged', 'b'],
      ['stale', 'b'],
      ['not-probed', 'b'],
    ]);
    expect(verdict).toEqual({ passed: false, reasons: [`b: ${b.why}`] });
  });

  it('a refusal or an acknowledgement after the objective fails the instance', () => {
    const { instances } = assessDrill(
      base({
        probes: [{ url: 'http://a/probe', instanceId: 'a', firstRejectionAt: 11_500, rejectionCode: 'TOKEN_REVOKED', acceptedAfterResponse: 40, acceptedAfterDeadline: 12, unreachable: 0 }],
        ackMs: new Map([['a', 1_400], ['b', 20]]),
        instancesAtEnd: base().instancesAtStart,
      }),
    );
    expect(instances[0]!.why).toBe('first refused it after 1.50 s, past the 1.00 s objective; accepted it 12 time(s) after the deadline; acknowledged after 1.40 s, past the objective');
    expect(instances[1]!.contained).toBe(true);
  });

  it('reports expected alerts missing or late, ignores alerts from before the response, and lists only approvals people gave', () => {
    const at = (ms: number) => 50_000 + ms;
    const m = base({
      instancesAtEnd: base().instancesAtStart,
      ackMs: new Map([['a', 80], ['b', 90]]),
      timeline: {
        ...base().timeline,
        alerts: [
          { kind: 'revoked_token_use', at: at(-300), summary: 'an earlier drill' },
          { kind: 'jti_spread', at: at(2_500), summary: 'late' },
        ],
      },
      expectedAlerts: ['revoked_token_use', 'jti_spread'],
      approvals: [
        { id: 'p1', action: 'revoke client_id c', waitedMs: 4_000, decidedBy: 'bob', selfApproved: false },
        { id: 'p2', action: 'disable client c', waitedMs: 9_000, decidedBy: 'me', selfApproved: true },
      ],
    });
    const { alerts, overlooked } = assessDrill(m);
    expect(alerts).toEqual([{ kind: 'jti_spread', afterMs: 2_500, summary: 'late' }]);
    expect(overlooked.filter((o) => o.kind !== 'not-probed')).toEqual([
      { kind: 'slow-approval', subject: 'p1', detail: 'revoke client_id c waited 4.00 s for approval by bob' },
      { kind: 'alert-missing', subject: 'revoked_token_use', detail: expect.stringContaining('no revoked_token_use alert') },
      { kind: 'alert-late', subject: 'jti_spread', detail: 'fired 2.50 s after the response, past the objective' },
    ]);
  });
  it('says "fail-open" for an instance the authority knows runs fail-open, and "stale" for one whose heartbeat says so', () => {
    const { instances, overlooked, verdict } = assessDrill(
      base({
        instancesAtEnd: [
          { instanceId: 'a', live: true, audiences: ['api'], lastHeartbeatAt: 0, staleness: { stale: false, policy: 'fail-open-UNSAFE', failOpenAccepted: 0 } },
          { instanceId: 'b', live: true, audiences: ['api'], lastHeartbeatAt: 0, staleness: { stale: true, policy: 'fail-closed', failOpenAccepted: 3 } },
        ],
        ackMs: new Map([['a', 80], ['b', 90]]),
      }),
    );
    expect(overlooked.filter((o) => o.kind === 'fail-open')).toEqual([
      { kind: 'fail-open', subject: 'a', detail: expect.stringMatching(/^fail-open: its default stale policy is fail-open-UNSAFE \(/) },
      { kind: 'fail-open', subject: 'b', detail: expect.stringMatching(/^fail-open: its fail-open routes accepted 3 token\(s\) while it was stale \(/) },
    ]);
    expect(instances.find((i) => i.instanceId === 'b')!.stale).toBe('its heartbeat reports it stale: it has not heard from the authority within its staleness bound');
    expect(overlooked.filter((o) => o.kind === 'stale').map((o) => o.subject)).toEqual(['b']);
    // Contained all the same: refusing (a) and acknowledging (a, b) within the objective is what the verdict measures.
    expect(verdict.passed).toBe(true);
  });

  it('an instance reporting fail-closed and no fail-open acceptance, or not reporting at all, is not listed as fail-open', () => {
    const { overlooked } = assessDrill(
      base({ instancesAtEnd: [{ instanceId: 'a', live: true, audiences: ['api'], lastHeartbeatAt: 0, staleness: { stale: false, policy: 'fail-closed', failOpenAccepted: 0 } }] }),
    );
    expect(overlooked.some((o) => o.kind === 'fail-open')).toBe(false);
  });
});
