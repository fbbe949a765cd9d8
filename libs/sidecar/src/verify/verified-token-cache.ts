import type { Clock, EpochMillis, Milliseconds } from '../internal/units';
import type { VerifySuccess } from './verify-result';

/** Bounds of the verified-token cache (all of them enforced at once). */
export interface VerifiedTokenCacheOptions {
  /** Most tokens held. 0 turns the cache off. */
  readonly maxEntries: number;
  /** Most bytes held, as estimated by {@link estimatedEntryBytes}. */
  readonly maxBytes: number;
  /** Longest an entry is kept after its full verification, ms (besides `exp`, always). */
  readonly maxAgeMs: Milliseconds;
  readonly clock: Clock;
}

/**
 * What the sidecar remembers of tokens it fully verified (form, issuer, key, signature, claims),
 * keyed by the exact token string, so a repeated token skips the signature check. Only that part
 * is cached: readiness, lockdown, staleness, the deny rules, kill-switch cuts and the overflow
 * guard are checked on every call by the enforcement around it.
 *
 * **An entry never outlives** the token's `exp` (checked on every hit against the injected
 * clock, with no clock tolerance: a token inside the tolerance just gets verified in full again),
 * nor `maxAgeMs` after it was verified (which bounds how long a key dropped from a remote JWKS
 * keeps vouching for its tokens), nor any key or kill-switch event: the composition root calls
 * {@link VerifiedTokenCache.clear} on each, so a revoked, retired or newly promoted key and any
 * new cut are seen by the next call. A verification that started before a clear is not stored
 * (see {@link VerifiedTokenCache.generation}).
 *
 * **Memory bound.** At most `maxEntries` entries and `maxBytes` estimated bytes; when either
 * would be exceeded, the oldest entries are dropped first (insertion order). Nothing is
 * allocated before the first entry. The eviction queue holds at most about twice as many
 * references (8 bytes each) as there are entries. The cached result is frozen, so no caller can change the
 * claims later calls (and their deny-rule checks) read.
 */
export interface VerifiedTokenCache {
  /** The cached success of `token`, or undefined (an entry past `exp` or `maxAgeMs` is dropped here). */
  get(token: string): VerifySuccess | undefined;
  /**
   * Stores a fully verified token, unless the cache was cleared since `generation` was read.
   * Returns the frozen result to hand out.
   */
  set(token: string, result: VerifySuccess, generation: number): VerifySuccess;
  /** Drops every entry; verifications in flight are not stored afterwards. */
  clear(): void;
  /** Changes on every {@link clear}: read before a full verification, pass to {@link set}. */
  readonly generation: number;
  readonly size: number;
  /** Estimated bytes held. */
  readonly bytes: number;
  /** Hits and misses since creation. */
  counts(): { readonly hits: number; readonly misses: number };
}

/** Estimated heap bytes of one entry besides the token and claims strings: the Map slot, the entry and result objects, the claims object's shape. */
const ENTRY_OVERHEAD_BYTES = 320;

/**
 * The bytes charged for one entry: the token string (one byte per character: compact JWS is
 * ASCII) plus twice the decoded payload length (the parsed claims: property names and values
 * kept as strings and numbers) plus {@link ENTRY_OVERHEAD_BYTES}. An estimate on the safe side for
 * typical access tokens (1 KB token, 300-byte payload: about 1.9 KB per entry).
 */
export function estimatedEntryBytes(token: string): number {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  const payloadLength = Math.ceil(((second - first - 1) * 3) / 4);
  return token.length + 2 * payloadLength + ENTRY_OVERHEAD_BYTES;
}

interface Entry {
  readonly result: VerifySuccess;
  /** min(exp, verified + maxAgeMs), epoch ms. */
  readonly validUntil: EpochMillis;
  readonly bytes: number;
  /** Which insertion this is (its place in the eviction queue). */
  readonly seq: number;
}

/**
 * Freezes the result, its claims and an `aud` array: every claim the later checks of a cached
 * token read (`iss`, `aud`, `iat`, `jti`, `sub`, `client_id`, `sid`) is then immutable. Nested
 * custom claims are left as they are (freezing them costs on every miss and protects nothing the
 * sidecar decides on).
 */
function freezeResult(result: VerifySuccess): VerifySuccess {
  const { claims } = result;
  if (Array.isArray(claims.aud)) Object.freeze(claims.aud);
  Object.freeze(claims);
  return Object.freeze(result);
}

export function createVerifiedTokenCache(options: VerifiedTokenCacheOptions): VerifiedTokenCache {
  const { maxEntries, maxBytes, maxAgeMs, clock } = options;
  if (!Number.isInteger(maxEntries) || maxEntries < 0) throw new TypeError('verified-token cache: maxEntries must be a whole number >= 0');
  if (!Number.isInteger(maxBytes) || maxBytes < 0) throw new TypeError('verified-token cache: maxBytes must be a whole number of bytes >= 0');
  if (!Number.isFinite(maxAgeMs) || maxAgeMs < 0) throw new TypeError('verified-token cache: maxAgeMs must be a number of milliseconds >= 0');
  let entries = new Map<string, Entry>();
  // Insertion order, for eviction: tokens and their insertion numbers, oldest at `head`. A Map's own
  // order is no substitute: after many deletions at its front, finding its first key walks every
  // deleted slot (tens of µs per eviction). Items whose entry is gone or was replaced are skipped.
  let queueTokens: string[] = [];
  let queueSeqs: number[] = [];
  let head = 0;
  let seq = 0;
  let bytes = 0;
  let generation = 0;
  let hits = 0;
  let misses = 0;

  const drop = (token: string, entry: Entry): void => {
    entries.delete(token);
    bytes -= entry.bytes;
  };

  /** Drops the oldest entry still held. */
  const evictOldest = (): void => {
    while (head < queueTokens.length) {
      const token = queueTokens[head]!;
      const entrySeq = queueSeqs[head]!;
      head++;
      const entry = entries.get(token);
      if (entry !== undefined && entry.seq === entrySeq) {
        drop(token, entry);
        return;
      }
    }
  };

  /** Keeps the queue within twice the entries held (plus slack): drops consumed and dead items. */
  const compactQueue = (): void => {
    if (head < 1024 && queueTokens.length <= 2 * entries.size + 1024) return;
    const tokens: string[] = [];
    const seqs: number[] = [];
    for (let i = head; i < queueTokens.length; i++) {
      if (entries.get(queueTokens[i]!)?.seq === queueSeqs[i]) {
        tokens.push(queueTokens[i]!);
        seqs.push(queueSeqs[i]!);
      }
    }
    queueTokens = tokens;
    queueSeqs = seqs;
    head = 0;
  };

  return {
    get(token) {
      const entry = entries.get(token);
      if (entry === undefined) {
        misses++;
        return undefined;
      }
      if (clock() >= entry.validUntil) {
        drop(token, entry);
        misses++;
        return undefined;
      }
      hits++;
      return entry.result;
    },
    set(token, result, since) {
      const frozen = freezeResult(result);
      if (since !== generation || maxEntries === 0) return frozen;
      const entryBytes = estimatedEntryBytes(token);
      if (entryBytes > maxBytes) return frozen;
      const validUntil = Math.min(result.claims.exp * 1000, clock() + maxAgeMs);
      const held = entries.get(token);
      if (held) drop(token, held);
      while (entries.size > 0 && (entries.size >= maxEntries || bytes + entryBytes > maxBytes)) evictOldest();
      seq++;
      entries.set(token, { result: frozen, validUntil, bytes: entryBytes, seq });
      queueTokens.push(token);
      queueSeqs.push(seq);
      bytes += entryBytes;
      compactQueue();
      return frozen;
    },
    clear() {
      generation++;
      if (entries.size === 0 && queueTokens.length === 0) return;
      entries = new Map();
      queueTokens = [];
      queueSeqs = [];
      head = 0;
      bytes = 0;
    },
    get generation() {
      return generation;
    },
    get size() {
      return entries.size;
    },
    get bytes() {
      return bytes;
    },
    counts: () => ({ hits, misses }),
  };
}
