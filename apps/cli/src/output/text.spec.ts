import { clean, formatDuration, formatValue, labelOf } from './text';

describe('text', () => {
  it('replaces terminal control and bidi characters', () => {
    expect(clean('a\u001b[31mb\u0007c\u202ed\te\n')).toBe('a?[31mb?c?d?e?');
  });

  it.each([
    [42, '42 ms'],
    [1250, '1.3 s'],
    [245_000, '4 min 05 s'],
    [7_800_000, '2 h 10 min'],
    [273_600_000, '3 d 4 h'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('reads times from key names: *_at in ms, *iat in s', () => {
    expect(formatValue('revoked_at', 0)).toBe('1970-01-01T00:00:00.000Z');
    expect(formatValue('not_after_iat', 1)).toBe('1970-01-01T00:00:01.000Z');
    expect(formatValue('key_set_version', 7)).toBe('7');
    expect(formatValue('ready', false)).toBe('no');
    expect(formatValue('audiences', ['a', 'b'])).toBe('a, b');
    expect(formatValue('x', null)).toBe('-');
    expect(formatValue('issuedAtOrBefore', 0)).toBe('1970-01-01T00:00:00.000Z');
    expect(formatValue('engagedAt', 1000)).toBe('1970-01-01T00:00:01.000Z');
  });

  it('labels snake_case and camelCase keys alike', () => {
    expect(labelOf('key_set_version')).toBe('key set version');
    expect(labelOf('requestedBy')).toBe('requested by');
    expect(labelOf('issuedAtOrBefore')).toBe('issued at or before');
  });
});
