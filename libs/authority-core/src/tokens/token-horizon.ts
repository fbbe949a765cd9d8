import type { AuthorityStore } from '../store/store';
import type { Milliseconds } from '../time/clock';

/**
 * The latest `exp` of any token the authority has issued, kept durably. A revocation's rule must
 * outlive every token it can match; a token's lifetime is the setting in force when it was issued,
 * which may be longer than today's (an operator lowering the lifetime during an incident). Rules
 * therefore live until this horizon at least, never only `now + current lifetime`.
 */
export interface TokenHorizon {
  /** No issued token expires after this (epoch ms); 0 before the first token. */
  current(): Milliseconds;
  /**
   * Moves the horizon to at least `expiresAt` (epoch ms), durably, before the token leaves the
   * authority. Writes at most once per {@link TOKEN_HORIZON_STEP_MS} of horizon movement.
   */
  extendTo(expiresAt: Milliseconds): void;
}

/**
 * The horizon is stored rounded up to this step, so a steady stream of tokens costs one small
 * write a minute, and rules live at most this much longer than strictly needed.
 */
export const TOKEN_HORIZON_STEP_MS: Milliseconds = 60_000;

export function createTokenHorizon(store: AuthorityStore): TokenHorizon {
  const read = store.db.prepare<[], { expires_at: number }>('SELECT expires_at FROM token_horizon WHERE id = 1');
  const write = store.db.prepare<[number]>(
    `INSERT INTO token_horizon (id, expires_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET expires_at = ${store.db.dialect.greatest('token_horizon.expires_at', 'excluded.expires_at')}`,
  );
  let horizon = read.get()?.expires_at ?? 0;
  return {
    current: () => horizon,
    extendTo(expiresAt) {
      if (expiresAt <= horizon) return;
      const rounded = Math.ceil(expiresAt / TOKEN_HORIZON_STEP_MS) * TOKEN_HORIZON_STEP_MS;
      store.transaction(() => write.run(rounded));
      horizon = rounded;
    },
  };
}
