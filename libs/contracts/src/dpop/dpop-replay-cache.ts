/** Default cap of a {@link DpopReplayCache}: about 200 bytes each, so ~10 MB when full. */
export const DEFAULT_DPOP_REPLAY_CACHE_ENTRIES = 50_000;

/** `fresh`: first sighting, now remembered; `replay`: seen before; `unverifiable`: too old to tell (see below). */
export type DpopReplayVerdict = 'fresh' | 'replay' | 'unverifiable';

/**
 * Remembers the `jti` of every DPoP proof accepted (per key: `jkt`) for as long as the proof could
 * be accepted (its `iat` + the proof window), so a proof is used once (RFC 9449 §11.1).
 *
 * **Bounded memory, never a silent replay.** At most `maxEntries` proofs are held. When the cache
 * is full of live entries, the oldest one is dropped and its `iat` becomes a floor: a proof with
 * `iat` at or below the floor can no longer be told apart from a replay of a dropped one, so it is
 * refused as `unverifiable` (a client sends a fresh proof, whose `iat` is above the floor). Under a
 * flood the window shrinks instead of letting a replay through.
 *
 * Each process holds its own cache: a proof replayed to *another* instance (sidecar or authority
 * replica) within the window is not caught; `htu`, `htm`, `ath` and the short window bound that.
 */
export interface DpopReplayCache {
  /** Records `(jkt, jti)` unless it is a replay. `iat` in seconds. */
  check(jkt: string, jti: string, iat: number): DpopReplayVerdict;
  /** Entries held (including expired ones not yet dropped). */
  readonly size: number;
  /** Live entries dropped for lack of room since creation. */
  readonly evictions: number;
}

export interface DpopReplayCacheOptions {
  /** Hard cap on remembered proofs (> 0). Default {@link DEFAULT_DPOP_REPLAY_CACHE_ENTRIES}. */
  readonly maxEntries?: number;
  /** How long after its `iat` a proof can still be accepted (max age + clock tolerance), seconds. */
  readonly windowSeconds: number;
  /** Current time, epoch ms. */
  readonly now: () => number;
}

export function createDpopReplayCache(options: DpopReplayCacheOptions): DpopReplayCache {
  const maxEntries = options.maxEntries ?? DEFAULT_DPOP_REPLAY_CACHE_ENTRIES;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new TypeError('DPoP replay cache: maxEntries must be a positive integer');
  if (!(options.windowSeconds > 0)) throw new TypeError('DPoP replay cache: windowSeconds must be positive');
  // Insertion order is arrival order, so the head is (about) the first to expire. Value: the proof's iat.
  const seen = new Map<string, number>();
  let floorIat = Number.NEGATIVE_INFINITY;
  let evictions = 0;

  const dropExpired = (nowSeconds: number): void => {
    for (const [key, iat] of seen) {
      if (iat + options.windowSeconds >= nowSeconds) break;
      seen.delete(key);
    }
  };

  return {
    check(jkt, jti, iat) {
      const nowSeconds = options.now() / 1000;
      dropExpired(nowSeconds);
      if (iat <= floorIat) return 'unverifiable';
      // Length-prefixed: no (jkt, jti) pair can spell another's key.
      const key = `${jkt.length}:${jkt}${jti}`;
      if (seen.has(key)) return 'replay';
      if (seen.size >= maxEntries) {
        const oldest = seen.entries().next().value;
        if (oldest !== undefined) {
          seen.delete(oldest[0]);
          evictions++;
          floorIat = Math.max(floorIat, oldest[1]);
          if (iat <= floorIat) return 'unverifiable';
        }
      }
      seen.set(key, iat);
      return 'fresh';
    },
    get size() {
      return seen.size;
    },
    get evictions() {
      return evictions;
    },
  };
}
