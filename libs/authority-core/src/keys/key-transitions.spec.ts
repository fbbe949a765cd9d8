import { KEY_STATES, type KeyState } from '@revmesh/contracts';
import { KeyStateConflictError } from '../errors/errors';
import { assertTransition, canTransition, KEY_TRANSITIONS } from './key-transitions';

const LEGAL: readonly [KeyState, KeyState][] = [
  ['pending', 'active'],
  ['pending', 'revoked'],
  ['active', 'retiring'],
  ['active', 'revoked'],
  ['retiring', 'retired'],
  ['retiring', 'active'],
  ['retiring', 'revoked'],
  ['retired', 'revoked'],
];

const ALL_PAIRS: [KeyState, KeyState][] = KEY_STATES.flatMap((from) => KEY_STATES.map((to): [KeyState, KeyState] => [from, to]));
const ILLEGAL = ALL_PAIRS.filter(([from, to]) => !LEGAL.some(([f, t]) => f === from && t === to));

describe('key transition table', () => {
  it('has a row for every state of the contract', () => {
    expect(Object.keys(KEY_TRANSITIONS).sort()).toEqual([...KEY_STATES].sort());
  });

  it('allows exactly the documented moves', () => {
    const table = ALL_PAIRS.filter(([from, to]) => canTransition(from, to));
    expect(table.sort()).toEqual([...LEGAL].sort());
  });

  it.each(LEGAL)('allows %s → %s', (from, to) => {
    expect(() => assertTransition('k1', from, to)).not.toThrow();
  });

  it.each(ILLEGAL)('refuses %s → %s with KEY_STATE_CONFLICT naming the current state', (from, to) => {
    let error: unknown;
    try {
      assertTransition('k1', from, to);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KeyStateConflictError);
    const conflict = error as KeyStateConflictError;
    expect(conflict.code).toBe('KEY_STATE_CONFLICT');
    expect(conflict.currentState).toBe(from);
    expect(conflict.requestedState).toBe(to);
    expect(conflict.message).toContain(`key k1 is ${from}`);
  });

  it('reaches revoked from every state but revoked itself', () => {
    for (const state of KEY_STATES) expect(canTransition(state, 'revoked')).toBe(state !== 'revoked');
  });

  it('never returns to pending and never leaves revoked', () => {
    for (const state of KEY_STATES) expect(canTransition(state, 'pending')).toBe(false);
    expect(KEY_TRANSITIONS.revoked).toEqual([]);
  });
});
