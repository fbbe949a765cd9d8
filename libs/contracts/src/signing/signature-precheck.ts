import { KeyObject as NodeKeyObject, verify as verifySignature } from 'node:crypto';
import type { EventSignerTrust } from './signed-event';
import { EVENT_BATCH_SEPARATOR } from './batch-signed-event';
import { asNodeKeyObject } from './node-key-object';

/**
 * Checks of many event signatures at once, for a reader replaying a topic: each Ed25519 check runs
 * on the libuv pool (node:crypto `verify` with a callback), all of a fetched batch in parallel,
 * while the reader still opens and applies the records one by one, in order, with
 * `openSignedEventSync`. A signature found valid here is remembered for its exact record text and
 * the very key object it verified against; `openSignedEventSync` then takes that answer instead of
 * checking again, and checks itself when there is none (not done yet, a different key, anything
 * else). A record refused here is simply checked again there, so this can only save work, never
 * change an outcome.
 */
const prechecked = new Map<string, NodeKeyObject>();
/** Remembered answers at most (the oldest forgotten first): a reader takes each one shortly after. */
const PRECHECKED_LIMIT = 65_536;


const kidOf = (text: string): string | undefined => {
  try {
    const header = JSON.parse(Buffer.from(text.slice(0, text.indexOf('.')), 'base64url').toString('utf8')) as { kid?: unknown };
    return typeof header.kid === 'string' ? header.kid : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Starts the signature checks of these record values on the libuv pool; each promise settles
 * (never rejects) once its check is done or skipped. Batch-signed records are skipped (their batch
 * signature is checked once anyway).
 */
export function precheckEventSignatures(values: readonly (Buffer | null)[], trust: EventSignerTrust): Promise<void>[] {
  return values.map((value) => {
    if (value === null || value.length === 0) return Promise.resolve();
    const text = value.toString('latin1');
    if (text.includes(EVENT_BATCH_SEPARATOR)) return Promise.resolve();
    const payloadEnd = text.lastIndexOf('.');
    const kid = payloadEnd > 0 ? kidOf(text) : undefined;
    const key = kid === undefined ? undefined : trust.publicKeyFor(kid);
    if (key === undefined) return Promise.resolve();
    let publicKey: NodeKeyObject;
    try {
      publicKey = asNodeKeyObject(key);
    } catch {
      return Promise.resolve();
    }
    if (publicKey.asymmetricKeyType !== 'ed25519') return Promise.resolve();
    return new Promise<void>((resolve) => {
      try {
        verifySignature(null, Buffer.from(text.slice(0, payloadEnd), 'latin1'), publicKey, Buffer.from(text.slice(payloadEnd + 1), 'base64url'), (error, valid) => {
          if (error === null && valid) {
            if (prechecked.size >= PRECHECKED_LIMIT) prechecked.delete(prechecked.keys().next().value!);
            prechecked.set(text, publicKey);
          }
          resolve();
        });
      } catch {
        resolve();
      }
    });
  });
}

/** True (once) when `text`'s signature was found valid by {@link precheckEventSignatures} with exactly this key. */
export function takePrecheckedSignature(text: string, key: NodeKeyObject): boolean {
  const held = prechecked.get(text);
  if (held === undefined) return false;
  prechecked.delete(text);
  return held === key || held.equals(key);
}
