import { randomUUID } from 'node:crypto';
import { seededRandom } from '../testing/seeded-random.spec-helper';
import { packRevocationId, unpackRevocationId } from './packed-revocation-id';

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('packed revocation ids', () => {
  it('packs lowercase canonical UUIDs and unpacks them to the same string', () => {
    const words = new Uint32Array(8);
    for (let i = 0; i < 1000; i++) {
      const id = randomUUID();
      expect(packRevocationId(id, words, 4)).toBe(true);
      expect(unpackRevocationId(words, 4)).toBe(id);
    }
    expect(packRevocationId('ffffffff-ffff-ffff-ffff-ffffffffffff', words, 0)).toBe(true);
    expect(unpackRevocationId(words, 0)).toBe('ffffffff-ffff-ffff-ffff-ffffffffffff');
  });

  it('refuses everything else, writing nothing, exactly as the canonical pattern does (seeded mutations)', () => {
    const random = seededRandom(4242);
    const alphabet = '0123456789abcdefABCDEF-gz\u00e9\u0660';
    const words = new Uint32Array(4);
    for (let i = 0; i < 4000; i++) {
      const chars = [...randomUUID()];
      // One to three mutations: a character replaced, removed or added.
      for (let m = 1 + Math.floor(random() * 3); m > 0; m--) {
        const at = Math.floor(random() * (chars.length + 1));
        const op = random();
        const c = alphabet[Math.floor(random() * alphabet.length)]!;
        if (op < 0.6) chars[Math.min(at, chars.length - 1)] = c;
        else if (op < 0.8) chars.splice(at, 1);
        else chars.splice(at, 0, c);
      }
      const id = chars.join('');
      words.fill(7);
      const packed = packRevocationId(id, words, 0);
      expect({ id, packed }).toEqual({ id, packed: CANONICAL_UUID.test(id) });
      if (packed) expect(unpackRevocationId(words, 0)).toBe(id);
      else expect([...words]).toEqual([7, 7, 7, 7]);
    }
  });
});
