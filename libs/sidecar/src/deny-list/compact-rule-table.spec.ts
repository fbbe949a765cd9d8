import { createCompactRuleTable } from './compact-rule-table';
import { RULE_KEY_WORDS } from './rule-key';

/** Bytes per entry the table documents: 16 key + 16 id + 8 cut-off + 8 expiry + 1 type, plus at most 8 of slots when just grown. */
const ENTRY_BYTES = 49;

describe('compact rule table', () => {
  it('allocates nothing while empty, and at most twice the documented bytes per entry as it grows', () => {
    const table = createCompactRuleTable();
    expect(table.arrayBytes).toBe(0);
    const key = new Uint32Array(RULE_KEY_WORDS);
    for (let i = 1; i <= 100_000; i++) {
      key[0] = Math.imul(i, 0x9e3779b1);
      key[1] = i;
      table.insert(key, 0, 0, '00000000-0000-4000-8000-000000000000', Number.POSITIVE_INFINITY, i);
      // Just after a doubling the arrays hold room for 2x the entries; the slots, 2x that again.
      if (i % 9973 === 0 || i === 100_000) expect(table.arrayBytes).toBeLessThanOrEqual(Math.max(16, 2 * i) * (ENTRY_BYTES + 8));
    }
    expect(table.size).toBe(100_000);
  });

  it('finds every key it holds and none it does not, through inserts and removals in long probe runs', () => {
    const table = createCompactRuleTable();
    const key = new Uint32Array(RULE_KEY_WORDS);
    // Every key lands in one of 8 home slots: long probe runs, wrapping around, moved by every removal.
    const keyOf = (n: number) => {
      key[0] = n & 7;
      key[1] = n;
      key[2] = 0;
      key[3] = 0;
      return key;
    };
    const held = new Set<number>();
    for (let step = 0; step < 20_000; step++) {
      const n = (step * 7919) % 1500;
      const entry = table.find(keyOf(n), 0);
      expect([n, entry >= 0]).toEqual([n, held.has(n)]);
      if (entry >= 0) {
        expect(table.expiresAt(entry)).toBe(n);
        table.remove(entry);
        held.delete(n);
      } else {
        table.insert(keyOf(n), 0, n % 4, n % 3 === 0 ? `rev-${n}` : '00000000-0000-4000-8000-00000000000' + (n % 10), 0, n);
        held.add(n);
      }
    }
    for (let n = 0; n < 1500; n++) {
      const entry = table.find(keyOf(n), 0);
      expect([n, entry >= 0]).toEqual([n, held.has(n)]);
      if (entry >= 0) expect([table.type(entry), table.revocationId(entry)]).toEqual([n % 4, n % 3 === 0 ? `rev-${n}` : '00000000-0000-4000-8000-00000000000' + (n % 10)]);
    }
    expect(table.size).toBe(held.size);
  });
});
