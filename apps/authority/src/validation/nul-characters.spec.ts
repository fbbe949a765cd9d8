import { NUL_CHARACTER_MESSAGE, nulCharacterErrors } from './nul-characters';

describe('nulCharacterErrors', () => {
  it('names every string and key holding U+0000 by its path, as zod names fields', () => {
    expect(nulCharacterErrors({ reason: 'a\u0000b', targets: [{ value: 'ok' }, { value: '\u0000' }], details: { 'k\u0000': 'v' } })).toEqual([
      { field: 'reason', message: NUL_CHARACTER_MESSAGE },
      { field: 'targets[1].value', message: NUL_CHARACTER_MESSAGE },
      { field: 'details.k\u0000', message: `is a key that ${NUL_CHARACTER_MESSAGE}` },
    ]);
    expect(nulCharacterErrors('\u0000')).toEqual([{ field: '(body)', message: NUL_CHARACTER_MESSAGE }]);
  });

  it('finds nothing in text without it (other control characters and non-strings included)', () => {
    expect(nulCharacterErrors({ a: 'tab\there', b: ['\u0001', 3, null, true], c: { d: 'é\u2028' } })).toEqual([]);
    expect(nulCharacterErrors(undefined)).toEqual([]);
  });
});
