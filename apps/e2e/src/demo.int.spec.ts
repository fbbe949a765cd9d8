import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './support/authority-process';

const run = promisify(execFile);

/** Keeps the README's `npm run demo` true: the built demo runs start to finish against the test broker. */
describe('npm run demo', () => {
  it('runs on topics of its own and shows a token accepted by three services, revoked, then rejected by all three with their latency; a two-person kill switch; a verified audit chain; with --drill, a leaked-access-token breach drill', async () => {
    const { stdout } = await run(process.execPath, [join(REPO_ROOT, 'tools/demo/dist/main.js'), '--once', '--drill'], {
      env: { PATH: process.env['PATH'], KAFKA_BROKERS: process.env['KAFKA_BROKERS'] },
      timeout: 120_000,
    });
    const accepted = stdout.match(/demo-api-\d: GET \/v1\/hello -> 200/g) ?? [];
    const rejected = stdout.match(/demo-api-\d: GET \/v1\/hello -> 401 TOKEN_REVOKED; revocation applied [\d.]+ ms/g) ?? [];
    expect(accepted).toHaveLength(3);
    expect(rejected).toHaveLength(3);
    // The kill switch under the two-person rule, then the audit chain of the whole run.
    expect(stdout).toMatch(/approving it: 403 SELF_APPROVAL; demo-approver: approved, executed/);
    expect(stdout).toMatch(/every service answers 503 LOCKDOWN, even to a valid token/);
    expect(stdout).toMatch(/the token issued before the cut stays rejected: 401 KILL_SWITCH_CUT/);
    expect(stdout).toMatch(/Audit: \d+ hash-chained entries .*\n.*chain verified/);
    // Its own topics: nothing of an earlier run (another authority's signer) is read.
    expect(stdout).toMatch(/topics demo-[a-z0-9]+-[0-9a-f]{6}\.\* \(this run's own, deleted on exit\)/);
    expect(stdout).toMatch(/Events rejected by the services: none/);
    // --drill: the containment table of the three instances, the verdict, and where the result and the report are.
    expect(stdout).toMatch(/instance\s+first rejection\s+acknowledged\s+accepted after\s+contained/);
    expect(stdout.match(/demo-api-\d\s+\d+ ms TOKEN_REVOKED\s+\d+ ms\s+\d+\s+yes/g) ?? []).toHaveLength(3);
    expect(stdout).toMatch(/PASS: every instance contained/);
    const resultFile = /drill result \(JSON\): (\S+)/.exec(stdout)?.[1];
    const reportFile = /post-incident report \(HTML, opens offline\): (\S+)/.exec(stdout)?.[1];
    try {
      expect(JSON.parse(readFileSync(resultFile!, 'utf8'))).toMatchObject({ scenario: 'leaked-access-token', verdict: { passed: true } });
      expect(existsSync(reportFile!)).toBe(true);
    } finally {
      if (resultFile !== undefined) rmSync(dirname(resultFile), { recursive: true, force: true });
    }
    // As long as the demo itself may take (a loaded machine runs it in ~50 s).
  }, 120_000);
});
