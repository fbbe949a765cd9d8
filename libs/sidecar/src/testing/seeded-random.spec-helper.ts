/**
 * A small seeded generator (xorshift32) for randomized tests: the same seed replays the same
 * sequence, so a failure is reproduced from the seed its test names. Returns numbers in [0, 1).
 */
export function seededRandom(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}
