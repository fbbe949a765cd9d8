import { createDpopNonces } from './dpop-nonces';

describe('createDpopNonces', () => {
  let now = 0;
  const secret = new Uint8Array(32).fill(7);

  it('accepts its nonce in its period and the next, not later, and not another secret’s', () => {
    now = 1_000_000;
    const nonces = createDpopNonces({ secret, periodSeconds: 300, now: () => now });
    const nonce = nonces.current();
    expect(nonces.accepts(nonce)).toBe(true);
    expect(createDpopNonces({ secret, periodSeconds: 300, now: () => now }).accepts(nonce)).toBe(true);
    expect(createDpopNonces({ secret: new Uint8Array(32).fill(8), now: () => now }).accepts(nonce)).toBe(false);
    now += 300_000;
    expect(nonces.accepts(nonce)).toBe(true);
    expect(nonces.current()).not.toBe(nonce);
    now += 300_000;
    expect(nonces.accepts(nonce)).toBe(false);
  });

  it('refuses garbage and tampered nonces', () => {
    const nonces = createDpopNonces({ secret, now: () => now });
    const nonce = nonces.current();
    expect(nonces.accepts('')).toBe(false);
    expect(nonces.accepts('x'.repeat(100))).toBe(false);
    expect(nonces.accepts(`${nonce.slice(0, -2)}AA`)).toBe(false);
    expect(() => createDpopNonces({ secret: new Uint8Array(4), now: () => now })).toThrow(TypeError);
  });
});
