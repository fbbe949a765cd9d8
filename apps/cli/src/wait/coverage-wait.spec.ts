import { ApiProblemError, CoverageUnsupportedError } from '../errors';
import type { AuthorityApi } from '../http/authority-api';
import type { AuthorityResponse } from '../http/authority-client';
import { waitForCoverage, type CoverageWaitOptions } from './coverage-wait';

const ok = (body: unknown): AuthorityResponse => ({ status: 200, body, url: 'http://a/v1/x' });
const notFound = () =>
  new ApiProblemError({ title: 'Not found', status: 404, code: 'NOT_FOUND', detail: 'Route GET:/v1/revocations/r1/coverage not found' }, 'http://a/v1/revocations/r1/coverage');
const coverage = (complete: boolean, pending: string[] = []) =>
  ok({ published_at: 1000, live_instances: 2, applied: [{ instance_id: 'a', applied_at: 1010 }], covered_at_start: [], pending, complete });

/** A fake clock that only moves when the wait sleeps: no real time passes in these tests. */
function harness(answers: (() => AuthorityResponse)[], revocation: () => AuthorityResponse = () => ok({ id: 'r1', published: false })) {
  let clock = 0;
  const sleeps: number[] = [];
  const progress: string[] = [];
  const api = {
    getCoverage: jest.fn(async () => (answers.length > 1 ? answers.shift()! : answers[0]!)()),
    getRevocation: jest.fn(async () => revocation()),
  } as unknown as AuthorityApi;
  const options: CoverageWaitOptions = {
    api,
    revocationId: 'r1',
    timeoutMs: 1000,
    pollIntervalMs: 300,
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    onProgress: (text) => progress.push(text),
  };
  return { options, sleeps, progress, api };
}

describe('waitForCoverage', () => {
  it('returns as soon as coverage is complete', async () => {
    const h = harness([() => coverage(false, ['b']), () => coverage(true)]);
    const result = await waitForCoverage(h.options);

    expect(result).toMatchObject({ outcome: 'complete', elapsedMs: 300, coverage: { complete: true } });
    expect(h.sleeps).toEqual([300]);
    expect(h.progress).toEqual(['coverage: 1 of 2 live instances (1 applied, 0 covered at start, 1 pending); waiting for b']);
  });

  it('times out at the deadline, polling once more after the last (shortened) sleep', async () => {
    const h = harness([() => coverage(false, ['b'])]);
    const result = await waitForCoverage(h.options);

    expect(result.outcome).toBe('timeout');
    expect(result.coverage?.pending).toEqual([{ instanceId: 'b', at: undefined }]);
    expect(h.sleeps).toEqual([300, 300, 300, 100]);
    expect(h.api.getCoverage).toHaveBeenCalledTimes(5);
  });

  it('names at most three pending instances', async () => {
    const h = harness([() => coverage(false, ['b', 'c', 'd', 'e', 'f']), () => coverage(true)]);
    await waitForCoverage(h.options);
    expect(h.progress[0]).toMatch(/waiting for b, c, d and 2 more$/);
  });

  it('keeps waiting through 404 while the revocation is unpublished', async () => {
    const h = harness([
      () => {
        throw notFound();
      },
      () => coverage(true),
    ]);
    const result = await waitForCoverage(h.options);
    expect(result.outcome).toBe('complete');
    expect(h.progress).toEqual(['waiting for the authority to publish the revocation']);
  });

  it('fails at once when a published revocation has no coverage endpoint', async () => {
    const h = harness(
      [
        () => {
          throw notFound();
        },
      ],
      () => ok({ id: 'r1', published: true }),
    );
    await expect(waitForCoverage(h.options)).rejects.toThrow(CoverageUnsupportedError);
    expect(h.sleeps).toEqual([]);
  });

  it('passes other failures through', async () => {
    const h = harness([
      () => {
        throw new ApiProblemError({ title: 'Authentication required', status: 401, code: 'UNAUTHORIZED' }, 'http://a');
      },
    ]);
    await expect(waitForCoverage(h.options)).rejects.toMatchObject({ exitCode: 4 });
  });
});
