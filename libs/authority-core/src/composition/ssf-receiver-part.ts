import type { AuditLog } from '../audit/audit-log';
import type { IssuerRegistry } from '../issuers/issuer-registry';
import type { PolicySource } from '../policy/policy-document';
import type { RevocationService } from '../revocations/revocation-service';
import { createSsfReceiver, type SsfReceiver } from '../ssf/receiver/ssf-receiver';
import type { AuthorityStore } from '../store/store';
import type { CoreSettings } from './core-settings';

/**
 * The SSF receiver (not started: the process starts its pollers once it listens): transmitters
 * registered by operators, their streams, and the SETs they deliver, applied as revocations
 * through the revocation service (actor `ssf:<transmitter>`).
 */
export function openSsfReceiverPart(
  settings: CoreSettings,
  deps: {
    readonly store: AuthorityStore;
    readonly audit: AuditLog;
    readonly policy: PolicySource;
    readonly revocations: RevocationService;
    readonly issuers: IssuerRegistry;
  },
): SsfReceiver {
  const { clock, sleep, logger, options } = settings;
  const receiver = options.ssfReceiver;
  return createSsfReceiver({
    ...deps,
    kek: options.kek,
    publicBaseUrl: receiver?.publicBaseUrl ?? options.issuer,
    clock,
    sleep,
    logger,
    ...(receiver?.pollIntervalMs === undefined ? {} : { pollIntervalMs: receiver.pollIntervalMs }),
    ...(receiver?.fetch === undefined ? {} : { fetch: receiver.fetch }),
    ...(options.meterProvider === undefined ? {} : { meterProvider: options.meterProvider }),
  });
}
