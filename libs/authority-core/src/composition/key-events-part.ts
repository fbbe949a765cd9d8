import type { Actor } from '@revmesh/contracts';
import type { AuditLog } from '../audit/audit-log';
import { createKeyEventLog, type KeyEventLog } from '../events/key-event-log';
import { createKeyLifecycle, type KeyLifecycle } from '../keys/key-lifecycle';
import { createKillSwitchService, type KillSwitchController } from '../kill-switch/kill-switch-service';
import type { OutboxStore } from '../outbox/outbox-store';
import type { AuthorityStore } from '../store/store';
import type { CoreSettings } from './core-settings';
import type { KeyMaterialPart } from './key-material-part';

/** What travels on the keys topic: key states, signer changes and kill switches. */
export interface KeyEventsPart {
  readonly keyEvents: KeyEventLog;
  readonly lifecycle: KeyLifecycle;
  readonly killSwitch: KillSwitchController;
}

/** Actor of what the authority does at start on its own. */
const STARTUP_ACTOR: Actor = { kind: 'system', id: 'authority' };

/**
 * Opens the keys topic's log, then restores the invariants every start must find: one active key
 * and one pre-published standby, and every kill switch readable by the current signer (after a
 * signer switch or reset, a lockdown must stay readable by every sidecar).
 */
export async function openKeyEventsPart(
  settings: CoreSettings,
  deps: { readonly store: AuthorityStore; readonly outbox: OutboxStore; readonly audit: AuditLog; readonly keys: KeyMaterialPart; readonly onCommitted: () => void },
): Promise<KeyEventsPart> {
  const { options, clock, logger, names, skewMs } = settings;
  const { store, outbox, audit, keys, onCommitted } = deps;
  const keyEvents = createKeyEventLog({ store, outbox, signers: keys.signerRing, topic: names.keys, clock, onCommitted });
  const lifecycle = createKeyLifecycle({
    keys: keys.keyStore,
    ring: keys.keyRing,
    log: keyEvents,
    signers: keys.signerRing,
    kek: options.kek,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds,
    skewMs,
  });
  await keyEvents.exclusive(() => lifecycle.ensureInvariants(STARTUP_ACTOR));
  const killSwitch = createKillSwitchService({ store, log: keyEvents, signers: keys.signerRing, clock, logger, audit });
  await killSwitch.republishStale(STARTUP_ACTOR);
  return { keyEvents, lifecycle, killSwitch };
}
