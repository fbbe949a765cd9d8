import { isValidTraceparent } from '@revmesh/contracts';
import { createTraceparent } from './traceparent';

describe('createTraceparent', () => {
  it('starts a new sampled trace with random ids', () => {
    const a = createTraceparent();
    const b = createTraceparent();
    expect(isValidTraceparent(a)).toBe(true);
    expect(a).toMatch(/-01$/);
    expect(a.slice(3, 35)).not.toBe(b.slice(3, 35));
  });

  it('continues a valid parent: same trace id and flags, new span id', () => {
    const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00';
    const child = createTraceparent(parent);
    expect(isValidTraceparent(child)).toBe(true);
    expect(child.slice(0, 36)).toBe(parent.slice(0, 36));
    expect(child.slice(36, 52)).not.toBe('00f067aa0ba902b7');
    expect(child.slice(-2)).toBe('00');
  });

  it('ignores an invalid parent', () => {
    const child = createTraceparent('00-00000000000000000000000000000000-00f067aa0ba902b7-01');
    expect(isValidTraceparent(child)).toBe(true);
    expect(child.slice(3, 35)).not.toBe('0'.repeat(32));
  });
});
