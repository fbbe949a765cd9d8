import type { EventSignerAnnouncedEvent, EventSignerJwk, EventSignerWithdrawnEvent } from '@revmesh/contracts';
import { rejection, type EventRejection } from '../sync/event-rejection';
import type { TrustedSigners } from './trusted-signers';

/** What an applied signer event changed. `unchanged`: already so (a signer announced twice, or withdrawn while not trusted). */
export type SignerChange = 'added' | 'removed' | 'unchanged';

export type SignerChainOutcome = { readonly ok: true; readonly change: SignerChange } | EventRejection;

/**
 * Rotation of the event-signing key itself (docs/keys-and-signed-events.md, "Signer rotation").
 * Trust passes along a chain from the configured anchors: a trusted signer announces the next one;
 * after the overlap another trusted signer withdraws the old one. The caller has already checked
 * the event's signature: `signerKid` is a currently trusted signer.
 */
export interface SignerChain {
  announce(event: EventSignerAnnouncedEvent, signerKid: string): SignerChainOutcome;
  withdraw(event: EventSignerWithdrawnEvent, signerKid: string): SignerChainOutcome;
}

const sameKey = (a: EventSignerJwk, b: EventSignerJwk): boolean => a.kty === b.kty && a.crv === b.crv && a.x === b.x;

export function createSignerChain(trusted: TrustedSigners): SignerChain {
  /**
   * Highest `key_set_version` applied per signer kid, withdrawn ones included (a few bytes each),
   * so a replayed old announcement cannot bring back a signer withdrawn since. Anchors start at 0:
   * any real event is newer.
   */
  const versions = new Map<string, number>();
  for (const signer of trusted.list()) versions.set(signer.kid, 0);

  const stale = (kid: string, version: number): EventRejection | undefined => {
    const held = versions.get(kid);
    return held !== undefined && version <= held
      ? rejection('STALE_KEY_EVENT', `event-signer ${kid}: key_set_version ${version} is not newer than the held ${held}`)
      : undefined;
  };

  return {
    announce(event, signerKid) {
      const { signer, key_set_version: version } = event.payload;
      const old = stale(signer.kid, version);
      if (old) return old;
      const held = trusted.jwkOf(signer.kid);
      if (held && !sameKey(held, signer)) {
        return rejection('SIGNER_CONFLICT', `event-signer ${signer.kid} is already trusted with a different public key; announced by ${signerKid}`);
      }
      versions.set(signer.kid, version);
      if (held) return { ok: true, change: 'unchanged' };
      trusted.add(signer, 'announced', signerKid);
      return { ok: true, change: 'added' };
    },
    withdraw(event, signerKid) {
      const { kid, key_set_version: version } = event.payload;
      const old = stale(kid, version);
      if (old) return old;
      if (trusted.has(kid) && trusted.size === 1) {
        return rejection('LAST_SIGNER', `event-signer ${kid} is the only trusted signer; withdrawing it would make every event unverifiable`);
      }
      if (kid === signerKid) {
        return rejection('SELF_WITHDRAWAL', `event-signer ${kid} signed its own withdrawal; only another trusted signer may withdraw it`);
      }
      versions.set(kid, version);
      if (!trusted.has(kid)) return { ok: true, change: 'unchanged' };
      trusted.remove(kid);
      return { ok: true, change: 'removed' };
    },
  };
}
