import { hash, verify, type Options } from '@node-rs/argon2';

/**
 * argon2id cost. The defaults are OWASP's minimum for argon2id (19 MiB, 2 passes, 1 lane);
 * tests lower them to keep suites fast. Never lower them in production.
 */
export interface PasswordHashCost {
  /** Memory, KiB. Default 19456. */
  readonly memoryCost: number;
  /** Passes. Default 2. */
  readonly timeCost: number;
  /** Lanes. Default 1. */
  readonly parallelism: number;
}

export const DEFAULT_PASSWORD_HASH_COST: PasswordHashCost = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/** Hashes and checks passwords (argon2id, PHC strings that carry their own parameters). */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** False for a wrong password and for a malformed stored hash (never throws on either). */
  verify(phc: string, password: string): Promise<boolean>;
  /**
   * Spends the time of one {@link verify} without an account: run for unknown usernames so the
   * answer time does not tell whether an operator exists.
   */
  verifyDummy(password: string): Promise<void>;
}

/** `Algorithm.Argon2id` of @node-rs/argon2 (a const enum, which isolated modules cannot import). */
const ARGON2ID = 2 as Options['algorithm'];

export function createPasswordHasher(cost: PasswordHashCost = DEFAULT_PASSWORD_HASH_COST): PasswordHasher {
  const options: Options = { algorithm: ARGON2ID, ...cost };
  // Hashed now, not at the first unknown username: that answer would take a hash plus a verify,
  // twice as long as for an existing operator, and tell the name does not exist.
  const dummy = hash('revmesh dummy password for unknown operators', options);
  void dummy.catch(() => undefined); // a failure surfaces in verifyDummy, not as an unhandled rejection
  const check = async (phc: string, password: string): Promise<boolean> => {
    try {
      return await verify(phc, password);
    } catch {
      return false;
    }
  };
  return {
    hash: (password) => hash(password, options),
    verify: check,
    async verifyDummy(password) {
      // Same cost as real hashes, so the verification takes as long.
      await check(await dummy, password);
    },
  };
}
