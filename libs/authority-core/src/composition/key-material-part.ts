import type { AdminActionLog } from '../admin/admin-actions';
import { createEventSignerRing, type EventSignerRing } from '../event-signers/event-signer-ring';
import { createEventSignerStore, type EventSignerStore } from '../event-signers/signer-store';
import { createSigningKeyStore, type SigningKeyStore } from '../keys/key-store';
import { createKeyRing, type KeyRing } from '../keys/signing-keys';
import type { AuthorityStore } from '../store/store';
import type { CoreSettings } from './core-settings';

/** Token-signing keys and event-signing keys, unwrapped with the KEK. */
export interface KeyMaterialPart {
  readonly keyStore: SigningKeyStore;
  readonly keyRing: KeyRing;
  readonly signerStore: EventSignerStore;
  readonly signerRing: EventSignerRing;
}

/**
 * Loads the token keys first: a wrong KEK fails there, before the signer ring may write anything
 * (a first start, or `eventSignerReset`, creates a signer).
 */
export async function openKeyMaterialPart(settings: CoreSettings, store: AuthorityStore, admin: AdminActionLog): Promise<KeyMaterialPart> {
  const { options, clock, logger } = settings;
  const keyStore = createSigningKeyStore(store);
  const keyRing = createKeyRing({ keys: keyStore, kek: options.kek, storePath: store.path });
  await keyRing.load();
  const signerStore = createEventSignerStore(store);
  const signerRing = createEventSignerRing({ store, signers: signerStore, admin, kek: options.kek, clock, logger, reset: options.eventSignerReset === true });
  await signerRing.load();
  return { keyStore, keyRing, signerStore, signerRing };
}
