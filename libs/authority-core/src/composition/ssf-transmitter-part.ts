import type { ClientRegistry } from '../clients/client-registry';
import type { AuditLog } from '../audit/audit-log';
import type { SigningKeys } from '../keys/signing-keys';
import type { RevocationService } from '../revocations/revocation-service';
import { createReceiverAuthenticator } from '../ssf/transmitter/receiver-auth';
import { openSetSigningKey } from '../ssf/transmitter/set-signing-key';
import { createSsfTransmitter, type SsfTransmitter, type SsfTransmitterSettings } from '../ssf/transmitter/ssf-transmitter';
import type { AuthorityStore } from '../store/store';
import type { CoreSettings } from './core-settings';

/**
 * revmesh as an SSF transmitter: its own SET signing key (opened, or created sealed with the
 * KEK), receivers authenticated by this authority's own client-credentials tokens, and the
 * dispatcher that turns committed revocations into queued, pushed SETs (not started: a leader's
 * task). It reads the outbox, never the broker, so it neither waits for Kafka nor
 * holds the relay back.
 */
export async function openSsfTransmitterPart(
  settings: CoreSettings,
  deps: {
    readonly store: AuthorityStore;
    readonly audit: AuditLog;
    readonly keys: Pick<SigningKeys, 'jwks'>;
    readonly clients: Pick<ClientRegistry, 'find'>;
    readonly revocations: Pick<RevocationService, 'latestNotAfterIat'>;
    /** The core's `ssfTransmitter` option. */
    readonly settings: SsfTransmitterSettings | undefined;
  },
): Promise<SsfTransmitter> {
  const { options, clock, logger } = settings;
  const key = await openSetSigningKey(deps.store, options.kek, clock);
  const transmitter = createSsfTransmitter({
    issuer: options.issuer,
    store: deps.store,
    key,
    receivers: createReceiverAuthenticator({ issuer: options.issuer, store: deps.store, keys: deps.keys, clients: deps.clients, revocations: deps.revocations, clock }),
    audit: deps.audit,
    clock,
    logger,
    ...(deps.settings === undefined ? {} : { settings: deps.settings }),
  });
  return transmitter;
}
