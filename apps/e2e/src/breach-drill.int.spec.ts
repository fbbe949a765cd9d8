import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAuthority, type AuthorityHandle } from './support/authority-process';
import { loginCliAsAdmin, runRevmesh, type CliRun } from './support/cli-process';
import { startDemoApi, type DemoApiHandle } from './support/demo-api-process';
import { eventually, uniquePrefix } from './support/wait';

/** The parts of `revmesh drill run --json` these tests read. */
interface DrillJson {
  scenario: string;
  incidentId: string;
  canaryClientId: string;
  containWithinSeconds: number;
  response: { approvals: { action: string; selfApproved: boolean }[] };
  instances: { instanceId: string | null; url: string | null; firstRejectionMs: number | null; rejectionCode: string | null; acceptedAfterResponse: number | null; ackMs: number | null; stale: string | null; contained: boolean; why: string | null }[];
  overlooked: { kind: string; subject: string }[];
  cleanup: string[];
  verdict: { passed: boolean; reasons: string[] };
}

/** Drills need a second person for client_id revocations, key compromises and kill switches, as in production; drill self-approval is on. */
const POLICY = {
  approvals: { requiredFor: ['revocations.client_id', 'clients.disable', 'keys.compromise', 'kill-switch.engage', 'kill-switch.lift'] },
  drills: { containWithinSeconds: 5, allowSelfApproval: true },
};

/**
 * Breach drills through the real authority, broker and three demo-api processes, driven by the
 * built CLI as an operator runs them: a leaked token is contained everywhere; a compromised
 * client is contained with the two-person rule satisfied by an audited drill self-approval; an
 * instance cut off from the broker makes the drill fail, naming it and why, with exit 11.
 */
describe('breach drills (revmesh drill run)', () => {
  let authority: AuthorityHandle;
  let apis: DemoApiHandle[] = [];
  let cliConfig: string;
  const probeUrls = () => apis.flatMap((api) => ['--probe-url', `${api.url}/_revmesh/probe`]);
  const drill = (args: readonly string[]): Promise<CliRun> =>
    runRevmesh(['--authority', authority.url, '--json', 'drill', 'run', '--audience', 'demo-api', ...probeUrls(), '-j', 'e2e breach drill', ...args], cliConfig);
  const parse = (run: CliRun): DrillJson => {
    let result: DrillJson;
    try {
      result = JSON.parse(run.stdout) as DrillJson;
    } catch {
      throw new Error(`revmesh drill run exited ${run.code} without a JSON result: ${run.stderr}`);
    }
    // The containment figures each drill measured, in the run's log (not asserted: timings).
    const ms = (value: number | null) => (value === null ? 'never' : `${value} ms`);
    const rows = result.instances.map((i) => `${i.instanceId ?? i.url}: first rejection ${ms(i.firstRejectionMs)}, acknowledged ${ms(i.ackMs)}, accepted after ${i.acceptedAfterResponse ?? '?'}`);
    process.stdout.write(`drill ${result.scenario} (objective ${result.containWithinSeconds} s): ${result.verdict.passed ? 'PASS' : 'FAIL'}; ${rows.join('; ')}\n`);
    return result;
  };

  beforeAll(async () => {
    authority = await startAuthority({ brokers: process.env['KAFKA_BROKERS']!, topicPrefix: uniquePrefix('drill'), policy: POLICY });
    cliConfig = mkdtempSync(join(tmpdir(), 'revmesh-drill-cli-'));
    // The CLI login waits for the next TOTP step: alongside the services' start.
    const [started] = await Promise.all([
      Promise.all([
        startDemoApi(authority, 'drill-api-1'),
        startDemoApi(authority, 'drill-api-2'),
        startDemoApi(authority, 'drill-api-3', { REVMESH_DRILL_SWITCH_UNSAFE: 'true' }),
      ]),
      loginCliAsAdmin(authority, cliConfig),
    ]);
    apis = started;
    await eventually('the authority hears all three instances', async () => {
      const { body } = await authority.admin.request('GET', '/v1/instances');
      return (body['live_instances'] as number) >= 3;
    });
    // Three processes and a login that waits for the next TOTP step: slow on a loaded machine.
  }, 120_000);
  afterAll(async () => {
    await Promise.all(apis.map((api) => api.process.stop()));
    await authority?.process.stop();
    if (cliConfig !== undefined) rmSync(cliConfig, { recursive: true, force: true });
  });

  it('leaked-access-token: every instance refuses the token and acknowledges the revocation within the objective', async () => {
    const report = join(cliConfig, 'leaked-access-token.json');
    const run = await drill(['--scenario', 'leaked-access-token', '--report-file', report]);
    const result = parse(run);
    expect({ code: run.code, verdict: result.verdict }).toEqual({ code: 0, verdict: { passed: true, reasons: [] } });
    expect(result.instances.map((i) => [i.instanceId, i.contained, i.rejectionCode])).toEqual([
      ['drill-api-1', true, 'TOKEN_REVOKED'],
      ['drill-api-2', true, 'TOKEN_REVOKED'],
      ['drill-api-3', true, 'TOKEN_REVOKED'],
    ]);
    for (const i of result.instances) {
      expect(i.firstRejectionMs).toBeLessThanOrEqual(result.containWithinSeconds * 1000);
      expect(i.ackMs).not.toBeNull();
    }
    expect(JSON.parse(readFileSync(report, 'utf8'))).toEqual(result);
    expect(run.stderr).toContain('drill: incident');

    // An incident of kind drill, closed with its result; the canary client is disabled.
    const incident = (await authority.admin.request('GET', `/v1/incidents/${result.incidentId}`)).body['incident'] as Record<string, unknown>;
    expect(incident).toMatchObject({ kind: 'drill', status: 'resolved' });
    // The revocation contains it; the approval is the canary's disabling (cleanup), made for the incident too.
    expect(((incident['links'] as { kind: string }[]) ?? []).map((l) => l.kind).sort()).toEqual(['approval', 'revocation']);
    const client = (await authority.admin.request('GET', `/v1/clients/${result.canaryClientId}`)).body;
    expect(JSON.stringify(client)).toMatch(/"enabled":false/);
    expect(result.cleanup).toEqual(expect.arrayContaining([`disable client ${result.canaryClientId}: done`, `incident ${result.incidentId} closed with the result`]));
  });

  it('compromised-client: the client_id revocation waits for approval, given as an audited drill self-approval', async () => {
    const run = await drill(['--scenario', 'compromised-client']);
    const result = parse(run);
    expect({ code: run.code, verdict: result.verdict }).toEqual({ code: 0, verdict: { passed: true, reasons: [] } });
    expect(result.response.approvals).toEqual([
      expect.objectContaining({ action: `revoke client_id ${result.canaryClientId}`, selfApproved: true }),
      expect.objectContaining({ action: `disable client ${result.canaryClientId}`, selfApproved: true }),
    ]);
    expect(result.instances.every((i) => i.contained && i.rejectionCode === 'TOKEN_REVOKED')).toBe(true);
    const audit = await fetch(`${authority.url}/v1/audit/export`, { headers: { authorization: `Bearer ${authority.admin.token}` } });
    const selfApprovals = (await audit.text())
      .split('\n')
      .filter((line) => line.includes('"approvals.approve"') && line.includes('"selfApproval":"drill"'));
    expect(selfApprovals.length).toBeGreaterThanOrEqual(2);
  });

  it('mass-logout: the kill switch for the audience (no lockdown) cuts the canary everywhere, and is lifted afterwards', async () => {
    const run = await drill(['--scenario', 'mass-logout']);
    const result = parse(run);
    expect({ code: run.code, verdict: result.verdict }).toEqual({ code: 0, verdict: { passed: true, reasons: [] } });
    expect(result.instances.map((i) => i.rejectionCode)).toEqual(['KILL_SWITCH_CUT', 'KILL_SWITCH_CUT', 'KILL_SWITCH_CUT']);
    expect(result.cleanup).toContain('lift the kill switch of demo-api: done');
    const { switches } = (await authority.admin.request('GET', '/v1/kill-switch')).body as { switches: { liftedAt: number | null }[] };
    expect(switches.length).toBeGreaterThan(0);
    expect(switches.every((s) => s.liftedAt !== null)).toBe(true);
  });

  it('leaked-signing-key: the compromised key is refused everywhere; the promoted standby is left signing', async () => {
    const run = await drill(['--scenario', 'leaked-signing-key']);
    const result = parse(run);
    expect({ code: run.code, verdict: result.verdict }).toEqual({ code: 0, verdict: { passed: true, reasons: [] } });
    expect(result.instances.map((i) => i.rejectionCode)).toEqual(['KEY_REVOKED', 'KEY_REVOKED', 'KEY_REVOKED']);
    expect(result.response.approvals[0]).toMatchObject({ selfApproved: true });
    expect(result.cleanup.some((c) => c.startsWith('left as is: the compromised key stays revoked'))).toBe(true);
  });

  it('stale-sidecar: the instance cut off from the broker is not contained, the drill says why and exits 11', async () => {
    const run = await drill(['--scenario', 'stale-sidecar', '--cut-off-url', `${apis[2]!.url}/_revmesh/drill/cut-off`]);
    const result = parse(run);
    expect(run.code).toBe(11);
    expect(result.verdict.passed).toBe(false);
    const stale = result.instances.find((i) => i.instanceId === 'drill-api-3')!;
    expect(stale).toMatchObject({ contained: false, firstRejectionMs: null, ackMs: null });
    expect(stale.acceptedAfterResponse).toBeGreaterThan(0);
    expect(stale.why).toContain('still accepted the leaked credential');
    expect(stale.why).toContain('cut off from the broker by the drill');
    expect(result.verdict.reasons).toEqual([expect.stringMatching(/^drill-api-3: /)]);
    expect(result.instances.filter((i) => i.instanceId !== 'drill-api-3').every((i) => i.contained)).toBe(true);
    expect(result.overlooked.filter((o) => o.subject === 'drill-api-3').map((o) => o.kind)).toEqual(expect.arrayContaining(['never-acknowledged', 'stale', 'accepted-after-deadline']));
    expect(result.cleanup).toContain(`reconnected to the broker: POST ${apis[2]!.url}/_revmesh/drill/restore`);
    // Reconnected, the instance catches up by itself: it applies the drill's revocation late.
    const incident = (await authority.admin.request('GET', `/v1/incidents/${result.incidentId}`)).body['incident'] as { links: { kind: string; id: string }[] };
    const revocation = incident.links.find((l) => l.kind === 'revocation')!.id;
    await eventually('drill-api-3 applies the revocation once reconnected', async () => (await fetch(`${apis[2]!.url}/_revmesh/revocations/${revocation}`)).status === 200);
  });
});
