import { KeyInvalidError, KeyUnwrapError } from '../errors/errors';
import type { SigningKeyStore } from './key-store';
import { VERIFYING_STATES } from './key-transitions';
import { openSigningKey, type PublicSigningJwk, type SigningKey } from './token-key-material';

export { SIGNING_ALG, type PublicSigningJwk, type SigningAlg, type SigningKey } from './token-key-material';

/** The authority's token-signing keys, as the token issuer and the JWKS endpoint see them. */
export interface SigningKeys {
  /**
   * The key new tokens are signed with. Read it at signing time, never cache it: it changes
   * the moment a promotion commits.
   * @throws {KeyInvalidError} before the lifecycle has ensured an active key (a bug).
   */
  readonly active: SigningKey;
  /** The public JWK Set (RFC 7517): active, retiring and pending keys. Never private members. */
  jwks(): { readonly keys: readonly PublicSigningJwk[] };
}

/** The in-memory key ring behind {@link SigningKeys}, kept in step with the `signing_keys` table. */
export interface KeyRing extends SigningKeys {
  /** Opens every key that may sign again (pending, active, retiring). Call once at start. */
  load(): Promise<void>;
  /** Remembers a key generated in this process, so it needs no unwrapping later. */
  adopt(key: SigningKey): void;
  /** Re-reads states from the table (synchronous: call it right after a committed change). */
  refresh(): void;
  /** The opened key, if it may sign (pending, active or retiring). */
  opened(kid: string): SigningKey | undefined;
}

export interface KeyRingOptions {
  readonly keys: SigningKeyStore;
  /** Key-encryption key, exactly 32 bytes. */
  readonly kek: Buffer;
  /** Path of the database, for error messages. */
  readonly storePath: string;
}

/**
 * Creates the key ring. Private keys are opened once (at `load`, or when generated) and kept
 * imported as non-extractable CryptoKeys for every key that may still sign: pending and
 * retiring included, because a promotion or a rollback must switch signing synchronously.
 */
export function createKeyRing(options: KeyRingOptions): KeyRing {
  const { keys, kek } = options;
  const opened = new Map<string, SigningKey>();
  let activeKid: string | undefined;
  let published: PublicSigningJwk[] = [];

  function refresh(): void {
    const rows = keys.list();
    const verifying = rows.filter((row) => VERIFYING_STATES.includes(row.state));
    const live = new Set(verifying.map((row) => row.kid));
    for (const kid of opened.keys()) if (!live.has(kid)) opened.delete(kid);
    activeKid = rows.find((row) => row.state === 'active')?.kid;
    published = verifying.map((row) => row.publicJwk);
  }

  return {
    get active(): SigningKey {
      const key = activeKid === undefined ? undefined : opened.get(activeKid);
      if (key === undefined) throw new KeyInvalidError('there is no active signing key (the key lifecycle has not started)');
      return key;
    },
    jwks: () => ({ keys: published }),
    async load() {
      for (const row of keys.list()) {
        if (!VERIFYING_STATES.includes(row.state) || opened.has(row.kid)) continue;
        const sealed = keys.sealed(row.kid);
        if (sealed === undefined) continue;
        try {
          opened.set(row.kid, await openSigningKey(sealed, kek));
        } catch (error) {
          if (error instanceof KeyUnwrapError) {
            throw new KeyUnwrapError(
              `signing key ${row.kid} in ${options.storePath} cannot be decrypted: ${error.message}. ` +
                'Start with the KEK this data folder was created with; nothing was changed',
              { cause: error },
            );
          }
          throw error;
        }
      }
      refresh();
    },
    adopt(key) {
      opened.set(key.kid, key);
    },
    refresh,
    opened: (kid) => opened.get(kid),
  };
}
