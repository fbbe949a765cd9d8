import {
  EVENT_SIGNER_ANNOUNCED,
  EVENT_SIGNER_WITHDRAWN,
  eventSignerKey,
  eventSignerWithdrawalKey,
  type EventSignerAnnouncedEvent,
  type EventSignerJwk,
  type EventSignerWithdrawnEvent,
} from '@revmesh/contracts';
import type { AdminActionLog } from '../admin/admin-actions';
import { RotationInProgressError } from '../errors/errors';
import type { KeyEventDraft, KeyEventLog } from '../events/key-event-log';
import type { KeyLifecycle } from '../keys/key-lifecycle';
import { logErrorFields } from '../logging/log-fields';
import type { AuthorityLogger } from '../logging/logger';
import type { KillSwitchController } from '../kill-switch/kill-switch-service';
import type { RevocationService } from '../revocations/revocation-service';
import type { GateResult, PromotionGate } from '../rotation/promotion-gate';
import { SCHEDULER_ACTOR, type AdminRequest } from '../rotation/rotation-service';
import type { AuthorityStore } from '../store/store';
import type { Clock, Milliseconds } from '../time/clock';
import type { EventSignerRing } from './event-signer-ring';
import { generateEventSigner } from './signer-material';
import type { EventSignerStore } from './signer-store';

/** Outcome of an event-signer rotation. */
export interface SignerRotationResult {
  readonly previousKid: string;
  readonly currentKid: string;
  /** The `event-signer.announced` event (signed by the previous signer). */
  readonly announcedEventId: string;
  readonly keySetVersion: number;
  /** When the previous signer is withdrawn (epoch ms). */
  readonly withdrawAfter: Milliseconds;
  readonly gate: GateResult;
}

/**
 * Rotation of the event-signing key itself:
 * 1. `event-signer.announced` (the new public key), signed by the current signer: sidecars
 *    extend their trust along the chain;
 * 2. the promotion gate: wait (bounded) until every live sidecar holds the announcement, so no
 *    sidecar sees an event from a signer it does not know yet;
 * 3. switch: the new signer signs everything from now on; the old one enters the overlap;
 * 4. re-sign the compacted topics (every key's latest state, every live revocation) with the
 *    new signer, so a sidecar that trusts only the new signer still finds everything;
 * 5. after the overlap, `event-signer.withdrawn` for the old one, signed by the new one.
 * Each step's state is in the store: a restart resumes where it stopped.
 */
export interface EventSignerRotation {
  /**
   * Runs steps 1–4 and resolves after the switch.
   * @throws {RotationInProgressError} while another signer rotation is in progress.
   */
  rotate(request: AdminRequest): Promise<SignerRotationResult>;
  /** Step 5 for every signer whose overlap has ended. @returns the withdrawn kids. */
  withdrawDue(): Promise<string[]>;
  /** Finishes an announcement or a re-signing left by an earlier process (or a reset). */
  resumeInterrupted(): Promise<void>;
  busy(): boolean;
  stop(): void;
}

export interface EventSignerRotationOptions {
  readonly store: AuthorityStore;
  readonly signers: EventSignerStore;
  readonly ring: EventSignerRing;
  readonly log: KeyEventLog;
  readonly lifecycle: Pick<KeyLifecycle, 'ensureInvariants'>;
  readonly revocations: Pick<RevocationService, 'republishLive'>;
  /** Kill switches live on the compacted keys topic too: re-signed with the key states. */
  readonly killSwitch?: Pick<KillSwitchController, 'republishStale'>;
  readonly gate: PromotionGate;
  readonly admin: AdminActionLog;
  readonly kek: Buffer;
  readonly clock: Clock;
  readonly logger: AuthorityLogger;
  readonly overlapMs: Milliseconds;
  readonly promotionGateTimeoutMs: Milliseconds;
}

/** Creates the event-signer rotation. */
export function createEventSignerRotation(options: EventSignerRotationOptions): EventSignerRotation {
  const { store, signers, ring, log, gate, admin, clock, logger } = options;
  let running = false;
  const stopping = new AbortController();

  function announcedDraft(signer: EventSignerJwk, request: AdminRequest): KeyEventDraft {
    return {
      subject: 'event-signer',
      kid: signer.kid,
      state: 'announced',
      rotationId: null,
      recordKey: eventSignerKey(signer.kid),
      build: ({ id, version, now }): EventSignerAnnouncedEvent => ({
        id,
        type: EVENT_SIGNER_ANNOUNCED,
        version: 1,
        issued_at: now,
        actor: request.actor,
        payload: { signer, key_set_version: version },
      }),
    };
  }

  function withdrawnDraft(kid: string): KeyEventDraft {
    return {
      subject: 'event-signer',
      kid,
      state: 'withdrawn',
      rotationId: null,
      recordKey: eventSignerWithdrawalKey(kid),
      build: ({ id, version, now }): EventSignerWithdrawnEvent => ({
        id,
        type: EVENT_SIGNER_WITHDRAWN,
        version: 1,
        issued_at: now,
        actor: SCHEDULER_ACTOR,
        payload: { kid, key_set_version: version },
      }),
    };
  }

  /** Step 4: re-sign the compacted topics with the current signer, then record it done. */
  async function republish(actor: AdminRequest['actor']): Promise<void> {
    const current = ring.current.kid;
    await log.exclusive(() => options.lifecycle.ensureInvariants(actor));
    await options.killSwitch?.republishStale(actor);
    const queued = await options.revocations.republishLive(clock.now());
    store.transaction(() => signers.markRepublished(current, clock.now()));
    logger.info('event signer: live records re-signed', { signer: current, revocations: queued });
  }

  /** Steps 2–4 for an announced signer. */
  async function finish(kid: string, announcedEventId: string, request: AdminRequest): Promise<SignerRotationResult | undefined> {
    const result = await gate.wait(announcedEventId, options.promotionGateTimeoutMs, stopping.signal);
    if (stopping.signal.aborted) return undefined;
    if (result.outcome === 'timed_out') {
      logger.warn('event signer: promotion gate timed out; switching anyway', { kid, unconfirmed: result.unconfirmed });
    }
    const switched = await log.exclusive(async () => {
      const announced = signers.get(kid);
      const previous = signers.inState('active');
      if (announced?.state !== 'announced' || previous === undefined) return undefined;
      const now = clock.now();
      const withdrawAfter = now + options.overlapMs;
      store.transaction(() => {
        signers.setState(previous.kid, 'overlap', now, { withdrawAfter });
        signers.setState(kid, 'active', now, { activatedAt: now });
      });
      ring.refresh();
      return { previousKid: previous.kid, withdrawAfter };
    });
    if (switched === undefined) return undefined;
    logger.info('event signer: switched', { from: switched.previousKid, to: kid, withdrawAfter: switched.withdrawAfter });
    await republish(request.actor);
    return {
      previousKid: switched.previousKid,
      currentKid: kid,
      announcedEventId,
      keySetVersion: log.get(announcedEventId)?.version ?? 0,
      withdrawAfter: switched.withdrawAfter,
      gate: result,
    };
  }

  return {
    async rotate(request) {
      const pending = signers.inState('announced');
      if (running || pending !== undefined) throw new RotationInProgressError(pending?.kid ?? 'starting', 'an event-signer rotation');
      running = true;
      try {
        const announced = await log.exclusive(async () => {
          const previous = ring.current;
          const { signer, sealed } = await generateEventSigner(options.kek);
          const [event] = await log.commit([announcedDraft(signer.publicJwk, request)], (now) => {
            signers.insert({ kid: signer.kid, publicJwk: signer.publicJwk, sealed, state: 'announced' }, now);
            admin.record({
              action: 'event-signers.rotate',
              target: previous.kid,
              actor: request.actor,
              reason: request.reason,
              at: now,
              details: { new_signer: signer.kid },
              ...(request.context === undefined ? {} : { context: request.context }),
            });
          });
          ring.adopt(signer);
          ring.refresh();
          if (event === undefined) throw new TypeError('the announcement was not committed');
          logger.info('event signer: announced', { kid: signer.kid, signedBy: previous.kid, keySetVersion: event.version });
          return { kid: signer.kid, eventId: event.eventId };
        });
        const result = await finish(announced.kid, announced.eventId, request);
        if (result === undefined) throw new RotationInProgressError(announced.kid, 'an event-signer rotation (interrupted by shutdown)');
        return result;
      } finally {
        running = false;
      }
    },

    withdrawDue() {
      return log.exclusive(async () => {
        const now = clock.now();
        const current = signers.inState('active');
        // Never before the new signer has re-signed everything: until then, the old signer's
        // events are the only copy of some records on the compacted topics.
        if (current === undefined || current.republishedAt === null) return [];
        const due = signers.list().filter((s) => s.state === 'overlap' && s.withdrawAfter !== null && s.withdrawAfter <= now);
        if (due.length === 0) return [];
        await log.commit(
          due.map((s) => withdrawnDraft(s.kid)),
          (at) => {
            for (const s of due) signers.setState(s.kid, 'withdrawn', at);
          },
        );
        ring.refresh();
        logger.info('event signer: withdrawn after the overlap', { kids: due.map((s) => s.kid), signedBy: current.kid });
        return due.map((s) => s.kid);
      });
    },

    async resumeInterrupted() {
      if (running) return;
      running = true;
      try {
        const announced = signers.inState('announced');
        if (announced !== undefined) {
          const event = log.latest(announced.kid, 'announced');
          if (event !== undefined) {
            logger.info('event signer: resuming a rotation interrupted by a restart', { kid: announced.kid });
            await finish(announced.kid, event.eventId, { actor: SCHEDULER_ACTOR, reason: 'resume after restart' });
          }
        }
        const current = signers.inState('active');
        if (current !== undefined && current.republishedAt === null && !stopping.signal.aborted) {
          await republish(SCHEDULER_ACTOR);
        }
      } catch (error) {
        logger.error('event signer: resuming failed', logErrorFields(error));
      } finally {
        running = false;
      }
    },

    busy: () => running,
    stop: () => stopping.abort(),
  };
}
