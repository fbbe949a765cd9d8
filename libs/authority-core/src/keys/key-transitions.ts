import { KEY_STATES, type KeyState } from '@revmesh/contracts';
import { KeyStateConflictError } from '../errors/errors';

/**
 * The lifecycle of a token-signing key, as one table: for each state, the states it may move to.
 *
 * ```
 *   pending ──► active ──► retiring ──► retired
 *      │          │  ▲         │           │
 *      │          │  └─────────┘ rollback  │
 *      ▼          ▼            ▼           ▼
 *   revoked ◄─────┴────────────┴───────────┘
 * ```
 *
 * - `pending`: published (sidecars verify with it) but signs nothing: the pre-published standby.
 * - `active`: signs new tokens. Exactly one at a time (also a unique index in the store).
 * - `retiring`: signs nothing, still verifies until the longest-lived token it signed expired.
 * - `retired`: removed everywhere. Terminal except for `revoked`.
 * - `revoked`: every token it signed is rejected (`KEY_REVOKED`). Terminal.
 *
 * `retiring → active` exists for rollback only. Nothing goes back to `pending`, and nothing
 * leaves `revoked`: a key that was compromised once never signs again.
 */
export const KEY_TRANSITIONS: Readonly<Record<KeyState, readonly KeyState[]>> = {
  pending: ['active', 'revoked'],
  active: ['retiring', 'revoked'],
  retiring: ['retired', 'active', 'revoked'],
  retired: ['revoked'],
  revoked: [],
};

/** True when the table allows `from → to`. */
export function canTransition(from: KeyState, to: KeyState): boolean {
  return KEY_TRANSITIONS[from].includes(to);
}

/**
 * Checks one move against the table.
 *
 * @throws {KeyStateConflictError} naming the key's current state when the move is not allowed.
 */
export function assertTransition(kid: string, from: KeyState, to: KeyState, detail?: string): void {
  if (!canTransition(from, to)) {
    const allowed = KEY_TRANSITIONS[from];
    throw new KeyStateConflictError(
      kid,
      from,
      to,
      detail ?? (allowed.length === 0 ? `${from} is final` : `from ${from} a key may only become ${allowed.join(' or ')}`),
    );
  }
}

/** States in which a key's public part is published for verification (JWKS, sidecars). */
export const VERIFYING_STATES: readonly KeyState[] = ['pending', 'active', 'retiring'];

/** Type guard for a state read back from the database. */
export function isKeyState(value: string): value is KeyState {
  return (KEY_STATES as readonly string[]).includes(value);
}
