import type { DrillResult, InstanceContainment } from './drill-result';

const ms = (value: number | null): string => (value === null ? '-' : value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(2)} s`);

function row(i: InstanceContainment): string[] {
  return [
    i.instanceId ?? i.url ?? '?',
    i.url === null ? 'not probed' : i.firstRejectionMs === null ? 'never' : `${ms(i.firstRejectionMs)}${i.rejectionCode === null ? '' : ` ${i.rejectionCode}`}`,
    i.live === null ? 'n/a' : i.ackMs === null ? 'never' : ms(i.ackMs),
    i.acceptedAfterResponse === null ? '-' : String(i.acceptedAfterResponse),
    i.contained ? 'yes' : 'NO',
  ];
}

/** The containment table alone: one line per instance (the demo prints it). */
export function renderContainmentTable(result: DrillResult): string {
  const header = ['instance', 'first rejection', 'acknowledged', 'accepted after', 'contained'];
  const rows = [header, ...result.instances.map(row)];
  const widths = header.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return `${rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd()).join('\n')}\n`;
}

/** The whole drill report for a terminal: response, containment table, what was overlooked, cleanup, verdict. */
export function renderDrillReport(result: DrillResult): string {
  const out: string[] = [
    `Drill ${result.scenario} (incident ${result.incidentId}, audience ${result.audience}): ${result.summary}`,
    `Canary client ${result.canaryClientId}; objective: contained within ${result.containWithinSeconds} s (policy drills.containWithinSeconds)`,
    `Response: ${result.response.actions.join(', ')}; accepted at ${result.response.acceptedAt}`,
  ];
  for (const a of result.response.approvals) {
    out.push(`  approval ${a.id} (${a.action}): ${ms(a.waitedMs)}, ${a.selfApproved ? 'self-approved for the drill (policy drills.allowSelfApproval)' : `approved by ${a.decidedBy ?? '?'}`}`);
  }
  out.push('', 'Containment (times from the response being accepted):', renderContainmentTable(result).trimEnd());
  for (const i of result.instances.filter((x) => !x.contained)) out.push(`  ${i.instanceId ?? i.url}: ${i.why}`);
  out.push('', `Authority's view: ${result.authority.containedAt === null ? `not contained (${result.authority.why ?? 'no reason given'})` : `contained at ${result.authority.containedAt}`}`);
  out.push(`Alerts: ${result.alerts.length === 0 ? 'none' : result.alerts.map((a) => `${a.kind} after ${ms(a.afterMs)}`).join(', ')}`);
  out.push('', 'Overlooked:');
  if (result.overlooked.length === 0) out.push('  nothing');
  for (const o of result.overlooked) out.push(`  [${o.kind}] ${o.subject}: ${o.detail}`);
  out.push('', 'Cleanup:', ...result.cleanup.map((c) => `  ${c}`));
  out.push(
    '',
    result.verdict.passed
      ? `PASS: every instance contained within ${result.containWithinSeconds} s`
      : `FAIL: not contained within ${result.containWithinSeconds} s:\n${result.verdict.reasons.map((r) => `  - ${r}`).join('\n')}`,
  );
  return `${out.join('\n')}\n`;
}
