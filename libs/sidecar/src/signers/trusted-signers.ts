import { createPublicKey, type KeyObject } from 'node:crypto';
import type { EventSignerJwk, EventSignerTrust } from '@revmesh/contracts';

/** How a signer came to be trusted: from the `eventSigners` option, or announced on the keys topic. */
export type SignerOrigin = 'configured' | 'announced';

/** One trusted event signer, as `stats().trustedSigners` lists it. */
export interface TrustedSignerInfo {
  readonly kid: string;
  readonly origin: SignerOrigin;
  /** The signer whose `event-signer.announced` introduced this one (announced signers only). */
  readonly announcedBy?: string;
}

/**
 * The event signers this sidecar trusts right now: what `openSignedEvent` checks every record
 * against. Only the signer chain changes it.
 */
export interface TrustedSigners extends EventSignerTrust {
  has(kid: string): boolean;
  /** The public JWK of a trusted signer. */
  jwkOf(kid: string): EventSignerJwk | undefined;
  readonly size: number;
  add(jwk: EventSignerJwk, origin: SignerOrigin, announcedBy?: string): void;
  /** Stops trusting `kid` for new state; it stays known as a former signer (see `revocationTrust`). */
  remove(kid: string): void;
  list(): TrustedSignerInfo[];
  /**
   * Trust for the revocations topic: current signers AND former (withdrawn) ones. A sidecar that
   * starts after a signer rotation reads the whole keys topic first, so by the time it reads old
   * revocations their signer is already withdrawn; refusing them would silently drop accepted
   * revocations. This fails safe: a revocation can only deny tokens, never admit one, so a former
   * signer's key can at worst cause denials, whereas key events (which can admit tokens) are
   * checked against current signers only.
   */
  readonly revocationTrust: EventSignerTrust;
}

interface Entry {
  readonly jwk: EventSignerJwk;
  /** Imported once: `openSignedEvent` runs for every record, and importing per record would double its cost. */
  readonly key: KeyObject;
  readonly info: TrustedSignerInfo;
}

/**
 * Imports a signer's public key. Synchronous (node:crypto) so `createSidecar`, which is
 * synchronous, can refuse an unusable anchor at once. Throws a `TypeError` for invalid key data.
 */
function importSignerKey(jwk: EventSignerJwk): KeyObject {
  try {
    return createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, format: 'jwk' });
  } catch (error) {
    throw new TypeError(`event signer ${jwk.kid}: not a valid Ed25519 public key`, { cause: error });
  }
}

/** Creates the trusted set from the configured anchors (already validated by the options). */
export function createTrustedSigners(anchors: readonly EventSignerJwk[]): TrustedSigners {
  const entries = new Map<string, Entry>();
  const former = new Map<string, Entry>();
  const add = (jwk: EventSignerJwk, origin: SignerOrigin, announcedBy?: string): void => {
    entries.set(jwk.kid, {
      jwk,
      key: importSignerKey(jwk),
      info: { kid: jwk.kid, origin, ...(announcedBy === undefined ? {} : { announcedBy }) },
    });
  };
  for (const jwk of anchors) add(jwk, 'configured');
  return {
    publicKeyFor: (kid) => entries.get(kid)?.key,
    has: (kid) => entries.has(kid),
    jwkOf: (kid) => entries.get(kid)?.jwk,
    get size() {
      return entries.size;
    },
    add,
    remove(kid) {
      const entry = entries.get(kid);
      if (entry) former.set(kid, entry);
      entries.delete(kid);
    },
    revocationTrust: { publicKeyFor: (kid) => entries.get(kid)?.key ?? former.get(kid)?.key },
    list: () => [...entries.values()].map((entry) => entry.info),
  };
}
