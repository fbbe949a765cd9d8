/**
 * Internal marker: the key set could not be obtained (JWKS fetch failed, timed out, or returned
 * something that is not a key set). Lets the jose error edge tell "the service cannot get keys"
 * (`KEYS_UNAVAILABLE`) from "the token names a key that does not exist" (`KEY_UNKNOWN`).
 */
export class KeysUnavailableError extends Error {
  override readonly name = 'KeysUnavailableError';
}
