import { importJWK } from 'jose';
import type { CryptoKey } from 'jose' with { 'resolution-mode': 'import' };
import type { KeyState, KeyStateChangedEvent, PublicJwk } from '@revmesh/contracts';
import { rejection, type EventRejection } from '../sync/event-rejection';

/** States in which a key verifies tokens (contracts `key-state-changed.ts`). */
const VERIFYING_STATES: ReadonlySet<KeyState> = new Set<KeyState>(['pending', 'active', 'retiring']);

/** One key as `stats().keySet.keys` lists it. */
export interface KeySetKey {
  readonly kid: string;
  readonly state: KeyState;
  /** The `key_set_version` of the event that set this state. */
  readonly keySetVersion: number;
}

/** The key set as `stats().keySet` shows it: plain JSON. */
export interface KeySetSnapshot {
  /** Where verification keys come from: the keys topic, a static set or a JWKS URL. */
  readonly source: 'kafka' | 'static' | 'remote' | 'discovery';
  /** Highest `key_set_version` of a key or signer event applied (0 before any). */
  readonly version: number;
  /** Every kid seen on the keys topic, in the order first seen; retired and revoked ones included. */
  readonly keys: readonly KeySetKey[];
}

export type KeyEventOutcome =
  | { readonly ok: true; readonly previous: KeyState | undefined; readonly state: KeyState }
  | EventRejection;

/**
 * The token-signing keys learnt from the keys topic, by kid. Each public JWK is imported once,
 * when its kid is first seen in a verifying state, so `keyFor` is a map lookup on the verify path.
 * Retired keys drop their key material but keep their version, so an old event replayed later is
 * recognised as stale; revoked keys are kept as revoked for good.
 */
export interface KeySet {
  /** Applies one (signature-checked) key event. Never throws. */
  apply(event: KeyStateChangedEvent): Promise<KeyEventOutcome>;
  /** The imported key for a token header, or undefined when no verifying key has that kid and alg. */
  keyFor(kid: string | undefined, alg: string | undefined): CryptoKey | undefined;
  /** True if `kid` is revoked: every token it signed is refused with `KEY_REVOKED`. */
  isRevoked(kid: string): boolean;
  /**
   * The state of `kid`, and when this key set saw it promoted from `pending` to `active` (the
   * promotion event's `changed_at`, epoch ms; null when it never saw that step). Undefined for
   * an unknown kid.
   */
  activation(kid: string): { readonly state: KeyState; readonly activatedAt: number | null } | undefined;
  /** Calls `listener` with the kid after every applied key event. Returns the unsubscribe function. */
  onChange(listener: (kid: string) => void): () => void;
  keys(): KeySetKey[];
  /** How many kids are in each state (the `key_set.keys` gauge). */
  sizesByState(): Record<string, number>;
}

interface Entry {
  readonly state: KeyState;
  readonly keySetVersion: number;
  readonly jwk: PublicJwk;
  readonly key: CryptoKey | undefined;
  readonly activatedAt: number | null;
}

const sameKey = (a: PublicJwk, b: PublicJwk): boolean => a.kty === b.kty && a.crv === b.crv && a.x === b.x && a.y === b.y && a.alg === b.alg;

export function createKeySet(): KeySet {
  const entries = new Map<string, Entry>();
  // The revoked check runs on every verify; a Set keeps it one hash lookup.
  const revoked = new Set<string>();
  const listeners = new Set<(kid: string) => void>();

  return {
    async apply(event) {
      const { kid, state, public_jwk: jwk, key_set_version: version } = event.payload;
      if (jwk.kid !== kid) return rejection('KEY_CONFLICT', `key event for ${kid} carries a public JWK with kid ${jwk.kid}`);
      const held = entries.get(kid);
      if (held && version <= held.keySetVersion) {
        return rejection('STALE_KEY_EVENT', `key ${kid}: key_set_version ${version} is not newer than the held ${held.keySetVersion} (${held.state})`);
      }
      if (held && !sameKey(held.jwk, jwk)) return rejection('KEY_CONFLICT', `key ${kid} is already known with a different public key`);
      if (held?.state === 'revoked' && state !== 'revoked') {
        return rejection('REVOKED_KEY_REUSED', `key ${kid} is revoked and stays revoked; refusing to make it ${state}`);
      }
      let key = held?.key;
      if (VERIFYING_STATES.has(state) && key === undefined) {
        try {
          key = await importJWK<PublicJwk>(jwk, jwk.alg);
        } catch (error) {
          return rejection('KEY_IMPORT_FAILED', `key ${kid}: public JWK cannot be imported: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      // A key that can no longer verify holds no key material.
      // The promotion time is known only from the pending -> active step itself.
      const activatedAt = held?.state === 'pending' && state === 'active' ? event.payload.changed_at : (held?.activatedAt ?? null);
      entries.set(kid, { state, keySetVersion: version, jwk, key: VERIFYING_STATES.has(state) ? key : undefined, activatedAt });
      if (state === 'revoked') revoked.add(kid);
      for (const listener of listeners) listener(kid);
      return { ok: true, previous: held?.state, state };
    },
    keyFor(kid, alg) {
      if (kid === undefined) return undefined;
      const entry = entries.get(kid);
      if (!entry || entry.key === undefined || entry.jwk.alg !== alg) return undefined;
      return entry.key;
    },
    isRevoked: (kid) => revoked.has(kid),
    activation: (kid) => {
      const entry = entries.get(kid);
      return entry === undefined ? undefined : { state: entry.state, activatedAt: entry.activatedAt };
    },
    onChange(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    keys: () => [...entries].map(([kid, entry]) => ({ kid, state: entry.state, keySetVersion: entry.keySetVersion })),
    sizesByState() {
      const sizes: Record<string, number> = {};
      for (const entry of entries.values()) sizes[entry.state] = (sizes[entry.state] ?? 0) + 1;
      return sizes;
    },
  };
}
