import type { AuditLog } from '../audit/audit-log';
import type { ApprovalGate } from '../approvals/approval-gate';
import { createCommsDispatcher, type CommsDeliverySettings, type CommsDispatcher } from '../comms/comms-dispatcher';
import { createCommsService, type CommsService } from '../comms/comms-service';
import { createCommsStore } from '../comms/comms-store';
import type { EnvReader, WebhookFetch } from '../comms/webhook-delivery';
import type { PolicySource } from '../policy/policy-document';
import type { AuthorityStore } from '../store/store';
import type { IncidentsPart } from './incidents-part';
import type { CoreSettings } from './core-settings';

/** The core's `comms` option: where webhook secrets come from, how deliveries are made. */
export interface CommsOptions extends CommsDeliverySettings {
  /** Reads the environment variables the policy's webhooks name (`urlEnv`, `secretEnv`). Default: `process.env`. */
  readonly env?: EnvReader;
  /** HTTP client of the deliveries (tests). Default: global fetch. */
  readonly fetch?: WebhookFetch;
}

export interface CommsPart {
  readonly comms: CommsService;
  /**
   * The delivery loop, not started: a singleton, run by the replica holding the leader lease
   * (registered with the other singletons in `openAuthorityCore`).
   */
  readonly dispatcher: CommsDispatcher;
  close(): Promise<void>;
}

/**
 * Incident communications: messages rendered from the policy's templates, sent (customers: once
 * a second operator approved) into the store's comms outbox, and the dispatcher that delivers
 * them to the policy's webhooks (not started: a leader's task; `close` stops it).
 */
export function openCommsPart(
  settings: CoreSettings,
  deps: {
    readonly store: AuthorityStore;
    readonly audit: AuditLog;
    readonly policy: PolicySource;
    readonly approvals: ApprovalGate;
    readonly incidents: IncidentsPart['incidents'];
    readonly options: CommsOptions | undefined;
  },
): CommsPart {
  const { clock, logger } = settings;
  const { store, audit, policy, approvals, incidents } = deps;
  const options = deps.options ?? {};
  const env: EnvReader = options.env ?? ((name) => process.env[name]);
  const dispatcher = createCommsDispatcher({
    store,
    messages: createCommsStore(store),
    policy,
    env,
    fetch: options.fetch ?? ((url, init) => globalThis.fetch(url, init)),
    audit,
    clock,
    logger,
    settings: options,
  });
  const comms = createCommsService({
    store,
    audit,
    policy,
    timeline: (id) => incidents.timeline(id),
    incidents,
    approvals,
    env,
    clock,
    onQueued: () => dispatcher.notify(),
  });
  return { comms, dispatcher, close: () => dispatcher.stop() };
}
