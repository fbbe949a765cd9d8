import { createDpopReplayCache } from './dpop-replay-cache';

describe('createDpopReplayCache', () => {
  let now = 1_000_000;
  const clock = (): number => now;

  it('accepts a proof once per key and refuses its replay; the same jti under another key is another proof', () => {
    const cache = createDpopReplayCache({ windowSeconds: 65, now: clock });
    expect(cache.check('key-a', 'j1', 1000)).toBe('fresh');
    expect(cache.check('key-a', 'j1', 1000)).toBe('replay');
    expect(cache.check('key-b', 'j1', 1000)).toBe('fresh');
    // Length-prefixed keys: ("ab", "c") and ("a", "bc") differ.
    expect(cache.check('ab', 'c', 1000)).toBe('fresh');
    expect(cache.check('a', 'bc', 1000)).toBe('fresh');
  });

  it('forgets a proof once it could no longer be accepted', () => {
    now = 1_000_000;
    const cache = createDpopReplayCache({ windowSeconds: 65, now: clock });
    cache.check('k', 'j', 1000);
    now = (1000 + 66) * 1000;
    cache.check('k', 'other', 1066);
    expect(cache.size).toBe(1);
    expect(cache.check('k', 'j', 1000)).toBe('fresh');
  });

  it('stays within maxEntries under a flood, and never lets a dropped proof be replayed', () => {
    now = 1_000_000;
    const cache = createDpopReplayCache({ windowSeconds: 65, maxEntries: 3, now: clock });
    for (const [jti, iat] of [['a', 990], ['b', 995], ['c', 1000]] as const) expect(cache.check('k', jti, iat)).toBe('fresh');
    expect(cache.check('k', 'd', 1000)).toBe('fresh'); // drops "a" (iat 990)
    expect(cache.size).toBe(3);
    expect(cache.evictions).toBe(1);
    expect(cache.check('k', 'a', 990)).toBe('unverifiable');
    expect(cache.check('k', 'e', 985)).toBe('unverifiable');
    expect(cache.check('k', 'f', 1001)).toBe('fresh');
    expect(cache.size).toBe(3);
  });

  it('refuses options that would make it unbounded or meaningless', () => {
    expect(() => createDpopReplayCache({ windowSeconds: 65, maxEntries: 0, now: clock })).toThrow(TypeError);
    expect(() => createDpopReplayCache({ windowSeconds: 0, now: clock })).toThrow(TypeError);
  });
});
