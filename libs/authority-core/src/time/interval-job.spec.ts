import { createIntervalJob } from './interval-job';

describe('createIntervalJob', () => {
  afterEach(() => jest.useRealTimers());

  it('runs at start and every interval, one run at a time, and reports results and failures', async () => {
    jest.useFakeTimers();
    const results: number[] = [];
    const errors: unknown[] = [];
    let runs = 0;
    let release: () => void = () => undefined;
    const job = createIntervalJob({
      intervalMs: 1000,
      run: async () => {
        runs += 1;
        if (runs === 3) throw new Error('third run fails');
        await new Promise<void>((resolve) => (release = resolve));
        return runs;
      },
      onResult: (n) => results.push(n),
      onError: (error) => errors.push(error),
    });
    job.start();
    job.start(); // idempotent
    expect(runs).toBe(1);
    const joined = job.runOnce(); // joins the run in progress
    expect(runs).toBe(1);
    release();
    await expect(joined).resolves.toBe(1);
    expect(results).toEqual([1]);
    await jest.advanceTimersByTimeAsync(1000);
    release();
    await jest.advanceTimersByTimeAsync(1000);
    expect(results).toEqual([1, 2]);
    expect(errors).toEqual([new Error('third run fails')]);
    job.stop();
    await jest.advanceTimersByTimeAsync(5000);
    expect(runs).toBe(3);
  });

  it('refuses an interval that is not a positive whole number of ms', () => {
    expect(() => createIntervalJob({ intervalMs: 0, run: async () => 1, onError: () => undefined })).toThrow(/intervalMs must be a positive integer/);
  });
});
