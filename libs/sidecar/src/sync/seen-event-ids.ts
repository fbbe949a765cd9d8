/**
 * The ids of the most recent events applied, to refuse one seen again (`REPLAY`). Bounded: the
 * oldest id is forgotten first, so memory stays at `limit` ids (about 100 bytes each) however long
 * the sidecar runs. Forgetting is safe: a revocation applied twice is idempotent, and an old key
 * or signer event is still caught by its `key_set_version` (`STALE_KEY_EVENT`).
 */
export interface SeenEventIds {
  has(eventId: string): boolean;
  add(eventId: string): void;
  readonly size: number;
}

export function createSeenEventIds(limit: number): SeenEventIds {
  if (!Number.isInteger(limit) || limit < 1) throw new TypeError(`createSeenEventIds: limit must be a positive integer, got ${limit}`);
  // A Set iterates in insertion order, so its first value is the oldest id: FIFO eviction in O(1),
  // and no preallocation (lru-cache would reserve its whole index up front).
  const ids = new Set<string>();
  return {
    has: (eventId) => ids.has(eventId),
    add(eventId) {
      if (ids.has(eventId)) return;
      if (ids.size >= limit) {
        const oldest = ids.values().next();
        if (!oldest.done) ids.delete(oldest.value);
      }
      ids.add(eventId);
    },
    get size() {
      return ids.size;
    },
  };
}
