import { renderPairs, renderTable } from './table';

describe('tables', () => {
  it('aligns columns with two spaces, upper-case headers, no trailing spaces', () => {
    expect(renderTable(['kid', 'state', 'note'], [['a', 'active', ''], ['long-kid', 'pending', 'x']])).toBe(
      'KID       STATE    NOTE\n' + 'a         active\n' + 'long-kid  pending  x\n',
    );
  });

  it('aligns key/value pairs', () => {
    expect(renderPairs([['id', '1'], ['published at', '-']])).toBe('id            1\npublished at  -\n');
  });
});
