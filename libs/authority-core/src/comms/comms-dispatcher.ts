import { setTimeout as delay } from 'node:timers/promises';
import { systemAuditContext } from '../audit/audit-context';
import type { AuditLog } from '../audit/audit-log';
import { logErrorFields } from '../logging/log-fields';
import type { AuthorityLogger } from '../logging/logger';
import { backoffDelay, type BackoffOptions } from '../outbox/backoff';
import { createWakeSignal } from '../outbox/wake-signal';
import type { PolicySource } from '../policy/policy-document';
import type { AuthorityStore } from '../store/store';
import type { Clock, Milliseconds, Sleep } from '../time/clock';
import { createMutex } from '../util/mutex';
import type { CommsDelivery, CommsStore } from './comms-store';
import { postWebhook, resolveWebhook, webhookRequest, type DeliveryOutcome, type EnvReader, type WebhookFetch } from './webhook-delivery';

/** Actor of the deliveries' audit entries. */
export const COMMS_DISPATCHER_ID = 'comms-dispatcher';

/** Delivery settings; every field has a default. */
export interface CommsDeliverySettings {
  /** Retry schedule of a failed attempt. Default 1 s doubling up to 5 min, with jitter. */
  readonly backoff?: BackoffOptions;
  /** Attempts before a delivery is given up (failed). Default 12 (about 30 minutes with the default backoff). */
  readonly maxAttempts?: number;
  /** Longest wait for a webhook's answer, ms. Default 10000. */
  readonly timeoutMs?: Milliseconds;
  /** Longest pause between two looks at the outbox when nothing wakes the dispatcher, ms. Default 5000. */
  readonly intervalMs?: Milliseconds;
}

export const DEFAULT_COMMS_DELIVERY: Required<Omit<CommsDeliverySettings, 'backoff'>> & { readonly backoff: Required<BackoffOptions> } = {
  backoff: { initialMs: 1_000, maxMs: 300_000, multiplier: 2 },
  maxAttempts: 12,
  timeoutMs: 10_000,
  intervalMs: 5_000,
};

export interface CommsDispatcherOptions {
  readonly store: AuthorityStore;
  readonly messages: CommsStore;
  readonly policy: PolicySource;
  readonly env: EnvReader;
  readonly fetch: WebhookFetch;
  readonly audit: Pick<AuditLog, 'append'>;
  readonly clock: Clock;
  readonly logger: AuthorityLogger;
  readonly settings?: CommsDeliverySettings;
  /** Random source of the backoff's jitter (tests). */
  readonly random?: () => number;
}

/** Sends the comms outbox's due deliveries; one instance per authority (a singleton). */
export interface CommsDispatcher {
  /** Sends every delivery due now, one at a time. @returns how many attempts were made. */
  runOnce(): Promise<number>;
  /** Runs `runOnce` whenever a message is written (`notify`), a retry falls due, or every `intervalMs`. */
  start(): void;
  notify(): void;
  /** Stops the loop and waits for the attempt in flight. */
  stop(): Promise<void>;
}

/** An unref'd pause: an idle dispatcher never keeps a process alive. Real time, never the injected clock. */
const loopSleep: Sleep = async (ms, signal) => {
  try {
    await delay(ms, undefined, { ref: false, ...(signal === undefined ? {} : { signal }) });
  } catch (error) {
    if (!signal?.aborted) throw error;
  }
};

/** Deliveries read per run. */
const BATCH = 50;

/**
 * The delivery side of incident communications: reads due deliveries from the store's outbox,
 * posts each to its webhook (resolved from the policy in force and the environment), and records
 * the outcome: delivered, retried after a capped exponential backoff (no answer, 408, 429, 5xx),
 * or failed for good (another 4xx, the webhook gone from the policy, attempts exhausted). The
 * final outcome is audited (`incidents.comms.deliver`, targeting the incident). Delivery is at
 * least once: a crash between the answer and its record sends again, with the same `webhook-id`.
 */
export function createCommsDispatcher(options: CommsDispatcherOptions): CommsDispatcher {
  const { store, messages, policy, env, clock, logger, audit } = options;
  const settings = { ...DEFAULT_COMMS_DELIVERY, ...options.settings, backoff: { ...DEFAULT_COMMS_DELIVERY.backoff, ...options.settings?.backoff } };
  if (!Number.isInteger(settings.maxAttempts) || settings.maxAttempts < 1) throw new TypeError('comms maxAttempts must be a positive integer');
  const system = systemAuditContext(COMMS_DISPATCHER_ID);
  const wake = createWakeSignal(loopSleep);
  const running = createMutex();
  let stopping: AbortController | undefined;
  let loop: Promise<void> | undefined;

  /** Records an attempt's outcome; `gone`: the delivery can never succeed (failed at once). */
  const record = (delivery: CommsDelivery, outcome: DeliveryOutcome | { readonly kind: 'unusable'; readonly error: string }, gone = false): void => {
    const now = clock.now();
    const attempt = delivery.attempts + 1;
    const status = outcome.kind === 'unusable' ? null : outcome.status;
    const error = outcome.kind === 'delivered' ? null : outcome.error;
    const final = gone || outcome.kind === 'delivered' || outcome.kind === 'refused' || attempt >= settings.maxAttempts;
    if (!final) {
      const retryInMs = backoffDelay(delivery.attempts, settings.backoff, options.random);
      messages.reschedule(delivery.seq, { nextAttemptAt: now + retryInMs, status, error: error ?? '' });
      logger.warn('incident message delivery failed; will retry', { messageId: delivery.messageId, webhook: delivery.webhook, attempt, retryInMs, error });
      return;
    }
    const state = outcome.kind === 'delivered' ? 'delivered' : 'failed';
    const message = messages.get(delivery.messageId);
    store.transaction(() => {
      if (!messages.finish(delivery.seq, { state, status, error, at: now })) return;
      audit.append({
        action: 'incidents.comms.deliver',
        outcome: state === 'delivered' ? 'succeeded' : 'failed',
        target: message?.incidentId ?? null,
        context: system,
        details: { messageId: delivery.messageId, audience: message?.audience ?? null, webhook: delivery.webhook, attempts: attempt, status, ...(error === null ? {} : { error }) },
      });
    });
    if (state === 'failed') logger.error('incident message not delivered; given up', { messageId: delivery.messageId, webhook: delivery.webhook, attempts: attempt, error });
  };

  const attempt = async (delivery: CommsDelivery): Promise<void> => {
    const webhook = policy.current().comms.webhooks.find((w) => w.name === delivery.webhook);
    const message = messages.get(delivery.messageId);
    if (webhook === undefined || message === undefined) {
      // Gone from the policy: nowhere to send it, ever (a webhook of that name added later is another one).
      record(delivery, { kind: 'unusable', error: `webhook ${delivery.webhook} is no longer in the policy's comms.webhooks` }, true);
      return;
    }
    const target = resolveWebhook(webhook, env);
    if ('unusable' in target) {
      record(delivery, { kind: 'unusable', error: target.unusable });
      return;
    }
    record(delivery, await postWebhook(options.fetch, webhookRequest(target, message, clock.now()), settings.timeoutMs));
  };

  const runOnce = (): Promise<number> =>
    running.run(async () => {
      let attempts = 0;
      for (;;) {
        const due = messages.due(clock.now(), BATCH);
        for (const delivery of due) {
          if (stopping?.signal.aborted) return attempts;
          await attempt(delivery);
          attempts += 1;
        }
        if (due.length < BATCH) return attempts;
      }
    });

  return {
    runOnce,
    notify: () => wake.notify(),
    start() {
      if (loop !== undefined) return;
      const controller = new AbortController();
      stopping = controller;
      loop = (async () => {
        while (!controller.signal.aborted) {
          try {
            await runOnce();
          } catch (error) {
            logger.error('incident message dispatcher run failed; retrying', logErrorFields(error));
          }
          const next = messages.nextDueAt();
          const pause = next === undefined ? settings.intervalMs : Math.min(settings.intervalMs, Math.max(50, next - clock.now()));
          await wake.wait(pause, controller.signal);
        }
      })();
    },
    async stop() {
      stopping?.abort();
      await loop;
      loop = undefined;
    },
  };
}
