import { revocationKey } from './topics';

describe('revocationKey', () => {
  it('keeps the type:value key for the authority\'s own issuer (old topics compact as before)', () => {
    expect(revocationKey({ type: 'sub', value: 'alice' })).toBe('sub:alice');
  });

  it('gives the same target of different issuers different keys, so compaction never drops one for the other', () => {
    const keys = new Set([
      revocationKey({ type: 'sub', value: 'alice' }),
      revocationKey({ type: 'sub', value: 'alice' }, 'https://a.example'),
      revocationKey({ type: 'sub', value: 'alice' }, 'https://b.example'),
    ]);
    expect(keys.size).toBe(3);
  });

  it('cannot be forged by a value or issuer containing the separators', () => {
    // Without the length prefix both would read "https://a|sub:x|sub:y".
    expect(revocationKey({ type: 'sub', value: 'y' }, 'https://a|sub:x')).not.toBe(revocationKey({ type: 'sub', value: 'x|sub:y' }, 'https://a'));
  });
});
