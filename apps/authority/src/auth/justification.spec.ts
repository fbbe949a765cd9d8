import { takeJustification } from './justification';

describe('takeJustification', () => {
  it('counts characters as code points, as JSON Schema does: four emoji are four characters, not eight', () => {
    const emoji = '\u{1F512}\u{1F511}\u{1F6A8}\u{1F4DD}';
    expect(takeJustification({ justification: emoji }, 5)).toEqual({ ok: false, detail: expect.stringContaining('has 4 characters') });
    const body = { justification: ` ${emoji}! ` };
    expect(takeJustification(body, 5)).toEqual({ ok: true, justification: `${emoji}!` });
    expect(body).toEqual({});
  });

  it('leaves a refused body untouched', () => {
    const body = { justification: 'abc', target: 'jti' };
    expect(takeJustification(body, 5).ok).toBe(false);
    expect(body).toEqual({ justification: 'abc', target: 'jti' });
  });
});
