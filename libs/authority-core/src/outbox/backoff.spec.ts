import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  it('doubles from 100 ms and stays within [base/2, base]', () => {
    const low = [0, 1, 2, 3].map((a) => backoffDelay(a, {}, () => 0));
    const high = [0, 1, 2, 3].map((a) => backoffDelay(a, {}, () => 0.999999));
    expect(low).toEqual([50, 100, 200, 400]);
    expect(high).toEqual([100, 200, 400, 800]);
  });

  it('caps at 5 s whatever the attempt', () => {
    expect(backoffDelay(50, {}, () => 0.999999)).toBe(5000);
    expect(backoffDelay(1_000, {}, () => 0)).toBe(2500);
  });

  it('honours custom options and rejects nonsense', () => {
    expect(backoffDelay(3, { initialMs: 10, maxMs: 1000, multiplier: 3 }, () => 0.999999)).toBe(270);
    expect(() => backoffDelay(0, { initialMs: 0 })).toThrow(TypeError);
    expect(() => backoffDelay(0, { initialMs: 10, maxMs: 5 })).toThrow(TypeError);
  });
});
