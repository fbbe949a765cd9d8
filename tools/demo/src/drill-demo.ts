import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncidentReportModel } from '@revmesh/contracts';
import { createHttpDrillAuthority, createHttpProber, renderContainmentTable, runDrill, type DrillResult } from '@revmesh/drills';
import { renderIncidentReport } from '@revmesh/incident-report';
import type { OperatorSession } from '@revmesh/test-support';

export interface DrillDemoContext {
  readonly authorityUrl: string;
  /** Runs the drill (the responder). */
  readonly admin: OperatorSession;
  /** The second security-admin, who approves the drill's requests that need a second person. */
  readonly approver: OperatorSession;
  readonly apis: readonly { readonly id: string; readonly url: string }[];
}

/**
 * `npm run demo -- --drill`: a `leaked-access-token` breach drill across the demo's instances,
 * run by the demo's first security-admin through the same library `revmesh drill run` uses; the
 * second one approves what the two-person rule puts before them (the canary client's disabling).
 * Prints the containment table and where the drill's result and the incident's post-incident
 * report were written (they outlive the demo's own data directory).
 */
export async function runDrillDemo(context: DrillDemoContext, log: (line?: string) => void): Promise<DrillResult> {
  const { admin, approver } = context;
  log('\n8. Breach drill: leaked-access-token across every instance (revmesh drill run does the same):');
  let approving = true;
  const approvals = (async () => {
    // The second pair of eyes: approves the drill's pending requests (its canary's disabling) as they come.
    while (approving) {
      const pending = await approver.request('GET', '/v1/approvals?state=pending');
      for (const approval of (pending.body['approvals'] ?? []) as { id: string; target: string | null }[]) {
        if (approval.target?.startsWith('drill-') !== true) continue;
        const decided = await approver.request('POST', `/v1/approvals/${approval.id}/approve`, { justification: 'demo: the drill canary may go' });
        log(`   ${approver.username} approved ${approval.id} (${decided.status})`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  let result: DrillResult;
  try {
    result = await runDrill(
      {
        scenario: 'leaked-access-token',
        audience: 'demo-api',
        probeUrls: context.apis.map((api) => `${api.url}/_revmesh/probe`),
        justification: 'demo: rehearsing a leaked access token',
      },
      {
        authority: createHttpDrillAuthority({ send: (method, path, body) => admin.request(method, path, body), authorityUrl: context.authorityUrl }),
        prober: createHttpProber(),
        progress: (line) => log(`   ${line}`),
      },
    );
  } finally {
    approving = false;
    await approvals;
  }

  const out = mkdtempSync(join(tmpdir(), 'revmesh-demo-drill-'));
  const resultFile = join(out, 'drill-result.json');
  writeFileSync(resultFile, `${JSON.stringify(result, null, 2)}\n`);
  log(`\n   Containment (times from the revocation being accepted; objective ${result.containWithinSeconds} s):`);
  for (const line of renderContainmentTable(result).trimEnd().split('\n')) log(`   ${line}`);
  log(`   ${result.verdict.passed ? 'PASS: every instance contained' : `FAIL: ${result.verdict.reasons.join('; ')}`}`);
  if (result.overlooked.length > 0) log(`   overlooked: ${result.overlooked.map((o) => `[${o.kind}] ${o.subject}: ${o.detail}`).join('; ')}`);
  log(`   drill result (JSON): ${resultFile}`);

  const report = await admin.request('GET', `/v1/incidents/${result.incidentId}/report`);
  if (report.status === 200) {
    const reportFile = join(out, `incident-${result.incidentId}.html`);
    writeFileSync(reportFile, await renderIncidentReport(report.body as unknown as IncidentReportModel, 'html'));
    log(`   post-incident report (HTML, opens offline): ${reportFile}`);
  } else {
    log(`   (no post-incident report: GET /v1/incidents/${result.incidentId}/report answered ${report.status})`);
  }
  return result;
}
