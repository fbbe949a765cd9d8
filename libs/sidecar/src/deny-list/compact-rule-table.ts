import { packRevocationId, unpackRevocationId } from './packed-revocation-id';
import { RULE_KEY_WORDS } from './rule-key';

/** Entries the table first makes room for, on its first insertion (nothing before that). */
const FIRST_CAPACITY = 16;
/** The slot index stays at most this full (linear probing stays short). */
const MAX_LOAD = 0.5;
/** Type byte flag: the revocation id is not a packed UUID but kept as a string on the side. */
const STRING_ID = 0x80;
/** Type byte bits 0..6: the target types (1 << type) whose rules this entry holds. */
const TYPE_BITS = 0x7f;
const TYPES = 7;

/**
 * An open-addressing hash table of deny rules keyed by 128-bit rule keys (see `rule-key.ts`),
 * stored in typed arrays: no object per rule.
 *
 * Layout: entries are dense (index 0 .. size-1) in parallel arrays; a separate power-of-two slot
 * array (linear probing, backward-shift deletion, no tombstones) maps a key to its entry. Removal
 * moves the last entry into the hole, so the arrays stay dense and a sweep is a linear scan.
 *
 * **Memory** per entry: 16 B key + 16 B revocation id (a canonical UUID, packed; any other id is
 * also kept as a string on the side) + 8 B cut-off + 8 B expiry + 1 B type = 49 B, plus 8–16 B of
 * slots (4 B each, at most half full). Arrays grow by doubling, so 1M entries take about
 * 49 MB + 8 MB = 57 MB (the 2^20-entry arrays and a 2^21-slot index), and while growing the old
 * and the new arrays coexist for a moment. An empty table allocates nothing.
 */
export interface CompactRuleTable {
  readonly size: number;
  /**
   * Entries holding a rule of target type `type` (0..6), expired ones not yet removed included.
   * An entry normally holds one type; it holds several only if rules of different types ever
   * shared a key (a hash collision), so that a lookup by any of them still finds it.
   */
  countOf(type: number): number;
  /** The entry holding `key[offset .. offset + 4)`, or -1. */
  find(key: Uint32Array, offset: number): number;
  /** Adds an entry for a key that {@link find} did not find; returns its index. */
  insert(key: Uint32Array, offset: number, type: number, revocationId: string, notAfterIat: number, expiresAt: number): number;
  /** Replaces an entry's data (its key stays) and adds `type` to the types it holds. */
  update(index: number, type: number, revocationId: string, notAfterIat: number, expiresAt: number): void;
  /** Removes an entry; the last entry moves to `index`. */
  remove(index: number): void;
  /** Removes every entry with `expiresAt <= now`; returns how many. */
  sweep(now: number): number;
  /** The entry expiring first, or -1 when empty (a linear scan). */
  earliestExpiring(): number;
  /** The lowest target type the entry holds. */
  type(index: number): number;
  revocationId(index: number): string;
  notAfterIat(index: number): number;
  expiresAt(index: number): number;
  /** Bytes held by the typed arrays (excluding string ids kept on the side). */
  readonly arrayBytes: number;
  /**
   * Makes room for `entries` in one step (a bulk load of known size: one allocation and one
   * rehash instead of one per doubling). Never shrinks; the capacity stays a power of two.
   */
  reserve(entries: number): void;
}

export function createCompactRuleTable(): CompactRuleTable {
  let capacity = 0;
  let size = 0;
  let keys = new Uint32Array(0);
  let ids = new Uint32Array(0);
  let cutoffs = new Float64Array(0);
  let expiries = new Float64Array(0);
  let types = new Uint8Array(0);
  let slots = new Int32Array(0); // entry index + 1; 0 = empty
  let mask = -1;
  let stringIds: Map<number, string> | undefined;
  const counts = [0, 0, 0, 0, 0, 0, 0];
  const count = (bits: number, by: number): void => {
    for (let type = 0; type < TYPES; type++) if ((bits & (1 << type)) !== 0) counts[type]! += by;
  };

  const sameKey = (entry: number, key: Uint32Array, offset: number): boolean => {
    const base = entry * RULE_KEY_WORDS;
    return keys[base] === key[offset] && keys[base + 1] === key[offset + 1] && keys[base + 2] === key[offset + 2] && keys[base + 3] === key[offset + 3];
  };

  /** The slot holding `entry` (present by contract). */
  const slotOfEntry = (entry: number): number => {
    let slot = keys[entry * RULE_KEY_WORDS]! & mask;
    while (slots[slot] !== entry + 1) slot = (slot + 1) & mask;
    return slot;
  };

  const place = (entry: number): void => {
    let slot = keys[entry * RULE_KEY_WORDS]! & mask;
    while (slots[slot] !== 0) slot = (slot + 1) & mask;
    slots[slot] = entry + 1;
  };

  const grow = (wanted = 0): void => {
    let next = capacity === 0 ? FIRST_CAPACITY : capacity * 2;
    while (next < wanted) next *= 2;
    const grown = <T extends Uint32Array | Float64Array | Uint8Array>(old: T, make: (length: number) => T, perEntry: number): T => {
      const array = make(next * perEntry);
      array.set(old.subarray(0, size * perEntry));
      return array;
    };
    keys = grown(keys, (n) => new Uint32Array(n), RULE_KEY_WORDS);
    ids = grown(ids, (n) => new Uint32Array(n), 4);
    cutoffs = grown(cutoffs, (n) => new Float64Array(n), 1);
    expiries = grown(expiries, (n) => new Float64Array(n), 1);
    types = grown(types, (n) => new Uint8Array(n), 1);
    capacity = next;
    slots = new Int32Array(Math.ceil(next / MAX_LOAD));
    mask = slots.length - 1;
    for (let entry = 0; entry < size; entry++) place(entry);
  };

  const setId = (entry: number, revocationId: string): void => {
    if (packRevocationId(revocationId, ids, entry * 4)) {
      types[entry] = types[entry]! & TYPE_BITS;
      stringIds?.delete(entry);
    } else {
      types[entry] = types[entry]! | STRING_ID;
      (stringIds ??= new Map()).set(entry, revocationId);
    }
  };

  const table: CompactRuleTable = {
    get size() {
      return size;
    },
    countOf: (type) => counts[type] ?? 0,
    find(key, offset) {
      if (size === 0) return -1;
      let slot = key[offset]! & mask;
      for (;;) {
        const held = slots[slot]!;
        if (held === 0) return -1;
        if (sameKey(held - 1, key, offset)) return held - 1;
        slot = (slot + 1) & mask;
      }
    },
    insert(key, offset, type, revocationId, notAfterIat, expiresAt) {
      if (size === capacity) grow();
      const entry = size++;
      keys.set(key.subarray(offset, offset + RULE_KEY_WORDS), entry * RULE_KEY_WORDS);
      if (!(type >= 0 && type < TYPES)) throw new RangeError(`compact rule table: type ${type} out of range`);
      types[entry] = 1 << type;
      counts[type]!++;
      setId(entry, revocationId);
      cutoffs[entry] = notAfterIat;
      expiries[entry] = expiresAt;
      place(entry);
      return entry;
    },
    update(entry, type, revocationId, notAfterIat, expiresAt) {
      const bit = 1 << type;
      if ((types[entry]! & bit) === 0) {
        types[entry] = types[entry]! | bit;
        counts[type]!++;
      }
      setId(entry, revocationId);
      cutoffs[entry] = notAfterIat;
      expiries[entry] = expiresAt;
    },
    remove(entry) {
      // Backward-shift deletion: pull later members of the probe run into the hole.
      let hole = slotOfEntry(entry);
      let slot = hole;
      for (;;) {
        slot = (slot + 1) & mask;
        const held = slots[slot]!;
        if (held === 0) break;
        const home = keys[(held - 1) * RULE_KEY_WORDS]! & mask;
        // Movable unless its home lies cyclically in (hole, slot].
        if (hole <= slot ? home <= hole || home > slot : home <= hole && home > slot) {
          slots[hole] = held;
          hole = slot;
        }
      }
      slots[hole] = 0;
      count(types[entry]! & TYPE_BITS, -1);
      const last = --size;
      if (entry !== last) {
        slots[slotOfEntry(last)] = entry + 1;
        keys.copyWithin(entry * RULE_KEY_WORDS, last * RULE_KEY_WORDS, last * RULE_KEY_WORDS + RULE_KEY_WORDS);
        ids.copyWithin(entry * 4, last * 4, last * 4 + 4);
        cutoffs[entry] = cutoffs[last]!;
        expiries[entry] = expiries[last]!;
        types[entry] = types[last]!;
        if (stringIds?.has(last)) stringIds.set(entry, stringIds.get(last)!);
      }
      stringIds?.delete(last);
      if (size === 0 && stringIds?.size === 0) stringIds = undefined;
    },
    sweep(now) {
      let removed = 0;
      // Downwards: the entry moved into a hole comes from the end, already examined.
      for (let entry = size - 1; entry >= 0; entry--) {
        if (expiries[entry]! <= now) {
          table.remove(entry);
          removed++;
        }
      }
      return removed;
    },
    earliestExpiring() {
      let best = -1;
      for (let entry = 0; entry < size; entry++) if (best < 0 || expiries[entry]! < expiries[best]!) best = entry;
      return best;
    },
    type: (entry) => 31 - Math.clz32(types[entry]! & TYPE_BITS & -(types[entry]! & TYPE_BITS)),
    revocationId: (entry) => ((types[entry]! & STRING_ID) !== 0 ? stringIds!.get(entry)! : unpackRevocationId(ids, entry * 4)),
    notAfterIat: (entry) => cutoffs[entry]!,
    expiresAt: (entry) => expiries[entry]!,
    reserve(entries) {
      if (entries > capacity) grow(entries);
    },
    get arrayBytes() {
      return keys.byteLength + ids.byteLength + cutoffs.byteLength + expiries.byteLength + types.byteLength + slots.byteLength;
    },
  };
  return table;
}
