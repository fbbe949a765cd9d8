import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors';
import { isJsonObject, type JsonObject } from '../http/api-types';

/** A key file larger than this is not a key (a JWK Set of ten RSA-4096 keys is ~10 kB). */
const MAX_KEY_FILE_BYTES = 256 * 1024;

function readText(path: string, flag: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${flag}: cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (Buffer.byteLength(text) > MAX_KEY_FILE_BYTES) throw new UsageError(`${flag}: ${path} is larger than ${MAX_KEY_FILE_BYTES} bytes: not a key file`);
  return text;
}

/** A PEM public key (SPKI or PKCS#1) as a JWK; a private key is refused, never converted. */
function pemToJwk(text: string, path: string, flag: string): JsonObject {
  if (/PRIVATE KEY-----/.test(text)) throw new UsageError(`${flag}: ${path} holds a private key; give the public key only (it never leaves your machine otherwise)`);
  try {
    return createPublicKey(text).export({ format: 'jwk' }) as JsonWebKey as JsonObject;
  } catch (error) {
    throw new UsageError(`${flag}: ${path} is not a PEM public key: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Reads public keys from a file: a JWK Set (`{"keys": [...]}`), one JWK, or a PEM public key.
 * The authority validates the keys themselves (public only, type, size) and names the problem.
 *
 * @param set whether to answer a JWK Set (one JWK or PEM is wrapped) or one JWK (a set must hold one key).
 * @throws {UsageError} naming the flag and the file when it cannot be read or is neither form.
 */
export function readPublicKeys(path: string, flag: string, set: true): JsonObject;
export function readPublicKeys(path: string, flag: string, set: false): JsonObject;
export function readPublicKeys(path: string, flag: string, set: boolean): JsonObject {
  const text = readText(path, flag);
  let keys: unknown[];
  if (/-----BEGIN /.test(text)) {
    keys = [pemToJwk(text, path, flag)];
  } else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`${flag}: ${path} is neither JSON (a JWK or JWK Set) nor a PEM public key: ${(error as Error).message}`, { cause: error });
    }
    if (isJsonObject(parsed) && Array.isArray(parsed['keys'])) keys = parsed['keys'];
    else if (isJsonObject(parsed) && typeof parsed['kty'] === 'string') keys = [parsed];
    else throw new UsageError(`${flag}: ${path} must hold a JWK ({"kty": ...}) or a JWK Set ({"keys": [...]})`);
  }
  if (set) return { keys } as JsonObject;
  if (keys.length !== 1 || !isJsonObject(keys[0])) throw new UsageError(`${flag}: ${path} must hold exactly one key, it holds ${keys.length}`);
  return keys[0];
}
