import { createSeenEventIds } from './seen-event-ids';

describe('seen event ids', () => {
  it('remembers at most `limit` ids, forgetting the oldest first', () => {
    const seen = createSeenEventIds(3);
    for (const id of ['a', 'b', 'c', 'b', 'd']) seen.add(id);
    expect(seen.size).toBe(3);
    expect(['a', 'b', 'c', 'd'].map((id) => seen.has(id))).toEqual([false, true, true, true]);
  });

  it('refuses a limit that would make it unbounded or useless', () => {
    expect(() => createSeenEventIds(0)).toThrow(TypeError);
    expect(() => createSeenEventIds(Number.POSITIVE_INFINITY)).toThrow(TypeError);
  });
});
