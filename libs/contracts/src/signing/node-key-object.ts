import { KeyObject as NodeKeyObject } from 'node:crypto';
import type { CryptoKey, KeyObject } from 'jose' with { 'resolution-mode': 'import' };

/** A compact JWS: three base64url parts (the payload may not be empty here). */
export const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * One cache for every signature check of this package, so a `CryptoKey` becomes the same
 * `KeyObject` wherever it is checked: the pre-check remembers the very key object a signature
 * verified against, and a second conversion would never match it.
 */
const keyObjects = new WeakMap<object, NodeKeyObject>();

/**
 * The trusted key as a node:crypto `KeyObject`, converted once per `CryptoKey` (the sidecar's
 * trusted signers are `KeyObject`s already).
 */
export function asNodeKeyObject(key: CryptoKey | KeyObject): NodeKeyObject {
  if (key instanceof NodeKeyObject) return key;
  let converted = keyObjects.get(key);
  if (converted === undefined) {
    converted = NodeKeyObject.from(key as Parameters<typeof NodeKeyObject.from>[0]);
    keyObjects.set(key, converted);
  }
  return converted;
}
