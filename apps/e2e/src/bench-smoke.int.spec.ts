import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureKafka } from '@revmesh/test-support';
import { REPO_ROOT } from './support/authority-process';

/**
 * `npm run bench` still runs: every scenario that needs no extra tool (wrk) at its smoke size,
 * against the built libraries and the test broker. No thresholds: the figures of a smoke run mean
 * nothing; this only keeps the harness from rotting.
 */
describe('bench harness (smoke)', () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'revmesh-bench-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('runs verify, deny-heap, propagation, cold-start and accept-rate and writes a row with figures for each measure', async () => {
    const { brokers } = await ensureKafka();
    const file = join(out, 'smoke.json');
    await promisify(execFile)(process.execPath, ['bench/run.js', '--smoke', '--only', 'verify,deny-heap,propagation,cold-start,accept-rate', '--out', file], {
      cwd: REPO_ROOT,
      env: { ...process.env, KAFKA_BROKERS: brokers.join(',') },
      timeout: 240_000,
    });
    const report = JSON.parse(readFileSync(file, 'utf8')) as {
      mode: string;
      failures: unknown[];
      rows: { measure: string; baseline: { value: number }; subject: { value: number } }[];
    };
    expect(report.mode).toBe('smoke');
    expect(report.failures).toEqual([]);
    // In the order of the performance table, whatever order the scenarios ran in.
    expect(report.rows.map((r) => r.measure)).toEqual([
      expect.stringMatching(/^propagation p50, 1 receiver/),
      expect.stringMatching(/^propagation p99, 1 receiver/),
      expect.stringMatching(/^resident memory, 1 receiver/),
      expect.stringMatching(/^verify, distinct tokens/),
      expect.stringMatching(/^verify, one token repeated/),
      expect.stringMatching(/^cold start to ready, 2k active revocations/),
      expect.stringMatching(/^deny list created empty/),
      expect.stringMatching(/^deny list holding/),
      expect.stringMatching(/^authority accept rate, POST \/v1\/revocations:batch/),
      expect.stringMatching(/^authority accept rate, one revocation per POST/),
    ]);
    for (const r of report.rows) expect([r.measure, Number.isFinite(r.baseline.value), Number.isFinite(r.subject.value)]).toEqual([r.measure, true, true]);
  }, 300_000);
});
