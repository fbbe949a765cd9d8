import { DrillApprovalNotGivenError, DrillError } from './drill-errors';
import { renderContainmentTable, renderDrillReport } from './render-drill';
import { runDrill, DRILL_TOKEN_SCOPE } from './run-drill';
import { fakeMesh, type FakeInstance } from './testing-fake-mesh.spec-helper';

const three = (): FakeInstance[] => [
  { id: 'demo-api-1', url: 'http://127.0.0.1:8081/_revmesh/probe', applyAfterMs: 40 },
  { id: 'demo-api-2', url: 'http://127.0.0.2:8082/_revmesh/probe', applyAfterMs: 80 },
  { id: 'demo-api-3', url: 'http://127.0.0.3:8083/_revmesh/probe', applyAfterMs: 120 },
];
const POLICY = { containWithinSeconds: 5, allowSelfApproval: false };
const base = (instances: FakeInstance[]) => ({ audience: 'demo-api', probeUrls: instances.map((i) => i.url), justification: 'quarterly breach drill' });

describe('runDrill', () => {
  it('leaked-access-token: revokes the jti for a drill incident, measures each instance, cleans up and passes', async () => {
    const instances = three();
    const mesh = fakeMesh({ instances, policy: POLICY });
    const progress: string[] = [];
    const result = await runDrill({ scenario: 'leaked-access-token', ...base(instances) }, { authority: mesh.authority, prober: mesh.prober, clock: mesh.clock, newId: () => 'abc', progress: (l) => progress.push(l) });

    expect(result.verdict).toEqual({ passed: true, reasons: [] });
    expect(result.canaryClientId).toBe('drill-leaked-access-token-abc');
    expect(mesh.writes.find((w) => w.action === 'client.register')?.body).toMatchObject({ scopes: [DRILL_TOKEN_SCOPE], audiences: ['demo-api'] });
    expect(mesh.writes.find((w) => w.action === 'revoke')?.body).toMatchObject({ target: 'jti', value: 'jti-of-drill-leaked-access-token-abc', incident: 'inc-1' });
    expect(result.instances.map((i) => [i.instanceId, i.contained, i.rejectionCode, i.ackMs])).toEqual([
      ['demo-api-1', true, 'TOKEN_REVOKED', 40],
      ['demo-api-2', true, 'TOKEN_REVOKED', 80],
      ['demo-api-3', true, 'TOKEN_REVOKED', 120],
    ]);
    // The probe loop refuses no earlier than the instance applied the revocation.
    for (const [i, row] of result.instances.entries()) expect(row.firstRejectionMs).toBeGreaterThanOrEqual(instances[i]!.applyAfterMs!);
    expect(result.instances.every((i) => i.acceptedAfterDeadline === 0)).toBe(true);
    expect(result.alerts).toEqual([{ kind: 'revoked_token_use', afterMs: 300, summary: 'revoked token presented' }]);
    expect(result.overlooked).toEqual([]);
    // Cleanup: canary disabled, incident contained then resolved with the verdict.
    expect(mesh.disabledClients).toEqual(new Set(['drill-leaked-access-token-abc']));
    expect(mesh.writes.filter((w) => w.action.startsWith('incident.')).map((w) => w.action)).toEqual(['incident.open', 'incident.contained', 'incident.resolved']);
    expect(mesh.writes.at(-1)?.justification).toContain('drill leaked-access-token passed');
    expect(mesh.writes.every((w) => w.justification.startsWith('drill leaked-access-token: quarterly breach drill') || w.action === 'incident.resolved')).toBe(true);
    expect(progress.some((l) => l.includes('incident inc-1 opened (kind drill)'))).toBe(true);
    expect(renderContainmentTable(result)).toMatch(/^instance\s+first rejection\s+acknowledged\s+accepted after\s+contained\ndemo-api-1\s+\d+ ms TOKEN_REVOKED\s+40 ms\s+\d+\s+yes\n/);
    expect(renderDrillReport(result)).toContain('PASS: every instance contained within 5 s');
  });

  it('stale-sidecar: the instance cut off never refuses nor acknowledges, so the drill fails and says why', async () => {
    const instances = three();
    const mesh = fakeMesh({ instances, policy: POLICY });
    const result = await runDrill(
      { scenario: 'stale-sidecar', ...base(instances), cutOffUrls: ['http://127.0.0.3:8083/_revmesh/drill/cut-off'] },
      { authority: mesh.authority, prober: mesh.prober, clock: mesh.clock },
    );

    expect(result.verdict.passed).toBe(false);
    const stale = result.instances.find((i) => i.instanceId === 'demo-api-3')!;
    expect(stale).toMatchObject({ contained: false, firstRejectionMs: null, ackMs: null });
    expect(stale.acceptedAfterResponse).toBeGreaterThan(0);
    expect(stale.acceptedAfterDeadline).toBeGreaterThan(0);
    expect(stale.why).toContain('still accepted the leaked credential');
    expect(stale.why).toContain('never acknowledged the response');
    expect(stale.why).toContain('cut off from the broker by the drill');
    expect(result.verdict.reasons).toEqual([`demo-api-3: ${stale.why}`]);
    expect(result.overlooked.filter((o) => o.subject === 'demo-api-3').map((o) => o.kind)).toEqual(['never-acknowledged', 'stale', 'accepted-after-deadline']);
    expect(result.instances.filter((i) => i.instanceId !== 'demo-api-3').every((i) => i.contained)).toBe(true);
    expect(mesh.posts).toEqual(['http://127.0.0.3:8083/_revmesh/drill/cut-off', 'http://127.0.0.3:8083/_revmesh/drill/restore']);
    expect(result.cleanup).toContain('reconnected to the broker: POST http://127.0.0.3:8083/_revmesh/drill/restore');
    // Closed straight to resolved with the failure.
    expect(mesh.writes.filter((w) => w.action.startsWith('incident.')).map((w) => w.action)).toEqual(['incident.open', 'incident.resolved']);
    expect(mesh.writes.at(-1)?.justification).toContain('drill stale-sidecar failed: demo-api-3');
    expect(renderDrillReport(result)).toContain('FAIL: not contained within 5 s');
  });

  it("stale-sidecar: a switch on another origin than the probe is matched by the instance id it answers", async () => {
    const instances = three().map((i) => (i.id === 'demo-api-2' ? { ...i, switches: { origin: 'http://10.0.0.9:9000', namesItself: true } } : i));
    const mesh = fakeMesh({ instances, policy: POLICY });
    const result = await runDrill(
      { scenario: 'stale-sidecar', ...base(instances), cutOffUrls: ['http://10.0.0.9:9000/admin/drill/cut-off'] },
      { authority: mesh.authority, prober: mesh.prober, clock: mesh.clock },
    );
    const cut = result.instances.find((i) => i.instanceId === 'demo-api-2')!;
    expect(cut).toMatchObject({ contained: false, url: 'http://127.0.0.2:8082/_revmesh/probe' });
    expect(cut.stale).toBe('cut off from the broker by the drill (POST http://10.0.0.9:9000/admin/drill/cut-off): it cannot hear the response');
    expect(result.instances.filter((i) => i.stale !== null).map((i) => i.instanceId)).toEqual(['demo-api-2']);
  });

  it('compromised-client waits for a second security-admin: the wait is measured and reported as the slowest approval', async () => {
    const instances = three();
    const mesh = fakeMesh({ instances, policy: POLICY, gatedTargets: ['client_id'] });
    mesh.approveAfter(3_000);
    const result = await runDrill({ scenario: 'compromised-client', ...base(instances) }, { authority: mesh.authority, prober: mesh.prober, clock: mesh.clock });

    expect(result.verdict.passed).toBe(true);
    expect(mesh.writes.find((w) => w.action === 'revoke')?.body).toMatchObject({ target: 'client_id', value: result.canaryClientId, incident: 'inc-1' });
    expect(result.response.approvals).toEqual([{ id: 'approval-1', action: `revoke client_id ${result.canaryClientId}`, waitedMs: expect.any(Number), decidedBy: 'bob', selfApproved: false }]);
    expect(result.response.approvals[0]!.waitedMs).toBeGreaterThanOrEqual(3_000);
    expect(result.overlooked).toEqual([{ kind: 'slow-approval', subject: 'approval-1', detail: expect.stringContaining('approval by bob') }]);
  });

  it('self-approves a drill request when the policy allows it', async () => {
    const instances = three();
    const mesh = fakeMesh({ instances, policy: { ...POLICY, allowSelfApproval: true }, gated: ['compromise-key'] });
    const result = await runDrill({ scenario: 'leaked-signing-key', ...base(instances) }, { authority: mesh.authority, prober: mesh.prober, clock: mesh.clock });
    expect(mesh.writes.find((w) => w.action === 'compromise-key')?.body).toMatchObject({ kid: 'key-1', incident: 'inc-1' });
    expect(result.response.approvals).toEqual([expect.objectContaining({ selfApproved: true, decidedBy: 'drill-operator' })]);
    expect(result.cleanup.some((c) => c.startsWith('left as is: the compromised key stays revoked'))).toBe(true);
  });

  it('mass-logout engages the kill switch for the audience without lockdown and lifts it afterwards', async () => {
    const instances = three();
    const mesh = fakeMesh({ instances, policy: POLICY });
    const result = await runDrill({ scenario: 'mass-logout', ...base(instances) }, { authority: mesh.authority, prober: mesh.prober, clock: mesh.clock });
    expect(result.verdict.passed).toBe(true);
    expect(mesh.writes.map((w) => w.action).filter((a) => a.includes('kill-switch'))).toEqual(['kill-switch', 'lift-kill-switch']);
    expect(result.cleanup).toContain('lift the kill switch of demo-api: done');
  });

  it('an approval that is denied aborts the drill, which still cleans up and closes its incident', async () => {
    const instances = three();
    const mesh = fakeMesh({ instances, policy: POLICY, gatedTargets: ['client_id'] });
    mesh.approveAfter(1_000, true);
    await expect(runDrill({ scenario: 'compromised-client', ...base(instances) }, { authority: mesh.authority, prober: mesh.prober, clock: mesh.clock })).rejects.toBeInstanceOf(DrillApprovalNotGivenError);
    expect(mesh.disabledClients.size).toBe(1);
    expect(mesh.incidents.get('inc-1')?.status).toBe('resolved');
    expect(mesh.writes.at(-1)?.justification).toContain('aborted: approval approval-1 ended denied');
  });

  it('refuses bad options before touching the authority', async () => {
    const instances = three();
    const mesh = fakeMesh({ instances, policy: POLICY });
    const run = (options: Record<string, unknown>) => runDrill({ scenario: 'leaked-access-token', ...base(instances), ...options } as never, { authority: mesh.authority, prober: mesh.prober, clock: mesh.clock });
    await expect(run({ scenario: 'stale-sidecar' })).rejects.toThrow(/stale-sidecar needs an instance cut off/);
    await expect(run({ scenario: 'nope' })).rejects.toThrow(/scenario "nope": must be one of leaked-access-token/);
    await expect(run({ cutOffUrls: ['http://x/_revmesh/drill/off'] })).rejects.toThrow(/must end with \/cut-off/);
    await expect(run({ probeUrls: ['ftp://x'] })).rejects.toBeInstanceOf(DrillError);
    expect(mesh.writes).toEqual([]);
  });
});

describe('runDrill interrupted', () => {
  it('stops measuring at the next pause, still cleans up (instance reconnected, canary disabled, incident closed as aborted) and rejects with DRILL_INTERRUPTED', async () => {
    const instances = three();
    const mesh = fakeMesh({ instances, policy: POLICY });
    const controller = new AbortController();
    const sleep = mesh.clock.sleep;
    let sleeps = 0;
    const clock = { now: mesh.clock.now, sleep: async (ms: number) => (++sleeps === 10 ? controller.abort() : sleep(ms)) };
    const run = runDrill(
      { scenario: 'stale-sidecar', ...base(instances), cutOffUrls: ['http://127.0.0.3:8083/_revmesh/drill/cut-off'] },
      { authority: mesh.authority, prober: mesh.prober, clock, signal: controller.signal },
    );
    await expect(run).rejects.toMatchObject({ code: 'DRILL_INTERRUPTED' });
    expect(mesh.posts).toEqual(['http://127.0.0.3:8083/_revmesh/drill/cut-off', 'http://127.0.0.3:8083/_revmesh/drill/restore']);
    expect(mesh.disabledClients.size).toBe(1);
    expect(mesh.incidents.get('inc-1')?.status).toBe('resolved');
    expect(mesh.writes.at(-1)?.justification).toContain('aborted: the drill was interrupted');
  });
});
