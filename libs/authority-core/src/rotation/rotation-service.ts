import { randomUUID } from 'node:crypto';
import type { Actor } from '@revmesh/contracts';
import type { AdminActionLog } from '../admin/admin-actions';
import type { AuditContext } from '../audit/audit-context';
import {
  KeyInvalidError,
  KeyNotFoundError,
  KeyStateConflictError,
  RollbackTargetRevokedError,
  RotationInProgressError,
  RotationNotFoundError,
  RotationNotRollbackableError,
} from '../errors/errors';
import type { KeyEventLog, KeyEventRecord } from '../events/key-event-log';
import type { KeyLifecycle, KeyStep } from '../keys/key-lifecycle';
import type { SigningKeyStore } from '../keys/key-store';
import { assertTransition } from '../keys/key-transitions';
import { logErrorFields } from '../logging/log-fields';
import type { AuthorityLogger } from '../logging/logger';
import type { AuthorityStore } from '../store/store';
import type { Clock, Milliseconds } from '../time/clock';
import type { PromotionGate } from './promotion-gate';
import { newRotationRecord, type RotationRecord, type RotationStore } from './rotation-store';

/** Who asked and why. Every key-management call carries both; they end up in `admin_actions`. */
export interface AdminRequest {
  readonly actor: Actor;
  readonly reason: string;
  /** The operator's audit context (role, justification, request id, address); recorded in the audit log. */
  readonly context?: AuditContext;
  /**
   * Runs in the transaction that records the rotation (a rotation's start, a compromise), with
   * the rotation's id (e.g. links it to an incident); throwing rolls that step back.
   */
  readonly inTransaction?: (rotationId: string) => void;
}

/** Actor of what the scheduler does on its own. */
export const SCHEDULER_ACTOR: Actor = { kind: 'system', id: 'rotation-scheduler' };

/** Rotations of the token-signing key: staged (with the promotion gate), emergency, rollback. */
export interface RotationService {
  /**
   * Staged rotation: waits at the promotion gate until every live sidecar confirms the standby
   * (or the gate times out), then in one transaction promotes the standby, moves the active key
   * to `retiring` and pre-publishes a new standby. Resolves with the record once done. If the
   * standby is still unpublished when the gate ends (broker down), nothing is promoted and the
   * record is `aborted`.
   *
   * @throws {RotationInProgressError} while another staged rotation is waiting at its gate.
   */
  rotate(kind: 'manual' | 'scheduled', request: AdminRequest): Promise<RotationRecord>;
  /**
   * Emergency: the key is revoked at once. If it was active, the standby (already held by every
   * sidecar) is promoted without a gate; if it was the standby, or was active, a new standby is
   * generated and published. One transaction; a staged rotation waiting at its gate is aborted.
   *
   * @throws {KeyNotFoundError} for an unknown kid.
   * @throws {KeyStateConflictError} when the key is already revoked.
   */
  compromise(kid: string, request: AdminRequest): Promise<RotationRecord>;
  /**
   * Re-activates the key a rotation replaced and returns the key it promoted to `retired` (or
   * `revoked`). Recorded as a new rotation of kind `rollback`.
   *
   * @throws {RotationNotFoundError} for an unknown id.
   * @throws {RollbackTargetRevokedError} when the key to re-activate is revoked.
   * @throws {RotationNotRollbackableError} when the rotation is not completed or promoted no key.
   * @throws {KeyStateConflictError} when a key is not where a rollback needs it (e.g. the previous
   *   key is already retired, or a later rotation replaced the new one).
   */
  rollback(id: string, request: AdminRequest & { readonly newKeyState?: 'retired' | 'revoked' }): Promise<RotationRecord>;
  /** Moves every retiring key whose `retire_after` has passed to `retired`. @returns their kids. */
  retireDue(): Promise<string[]>;
  /** Drives rotations left at the gate by an earlier process (after a restart). */
  resumeInterrupted(): Promise<void>;
  /** @throws {RotationNotFoundError} for an unknown id. */
  get(id: string): RotationRecord;
  /** Newest first. */
  list(limit: number): RotationRecord[];
  /** The key events a rotation published, oldest first. */
  events(id: string): KeyEventRecord[];
  /** True while a staged rotation is waiting at its gate in this process. */
  busy(): boolean;
  /** True when the standby's `pending` event has been acknowledged by the broker (a staged rotation needs it). */
  standbyPublished(): boolean;
  /** Aborts gate waits (records stay `in_progress` and resume at the next start). */
  stop(): void;
}

export interface RotationServiceOptions {
  readonly store: AuthorityStore;
  readonly keys: SigningKeyStore;
  readonly lifecycle: KeyLifecycle;
  readonly log: KeyEventLog;
  readonly rotations: RotationStore;
  readonly gate: PromotionGate;
  readonly admin: AdminActionLog;
  readonly clock: Clock;
  readonly logger: AuthorityLogger;
  readonly promotionGateTimeoutMs: Milliseconds;
}

/** Creates the rotation service. */
export function createRotationService(options: RotationServiceOptions): RotationService {
  const { store, keys, lifecycle, log, rotations, gate, admin, clock, logger } = options;
  const driving = new Set<string>();
  let starting = false;
  const stopping = new AbortController();

  const get = (id: string): RotationRecord => {
    const record = rotations.get(id);
    if (record === undefined) throw new RotationNotFoundError(id);
    return record;
  };

  /** Gate, then promotion. The record is `in_progress` until this ends (or the process stops). */
  async function drive(record: RotationRecord): Promise<RotationRecord> {
    driving.add(record.id);
    try {
      const toKid = record.toKid;
      const target = toKid === null ? undefined : log.latest(toKid, 'pending');
      const result =
        target === undefined
          ? { outcome: 'timed_out' as const, startedAt: clock.now(), endedAt: clock.now(), unconfirmed: [] }
          : await gate.wait(target.eventId, options.promotionGateTimeoutMs, stopping.signal);
      // Stopping mid-gate is not a timeout: leave the record for the next start to resume.
      if (stopping.signal.aborted) return get(record.id);
      store.transaction(() =>
        rotations.update(record.id, {
          gateStartedAt: record.gateStartedAt ?? result.startedAt,
          gateCompletedAt: result.endedAt,
          gateOutcome: result.outcome,
          unconfirmedInstances: result.unconfirmed,
        }),
      );
      // Never promote a standby the broker has not even acknowledged: no sidecar can hold it,
      // so every token it signed would be rejected. The scheduler tries again later.
      if ((log.latest(toKid ?? '', 'pending')?.publishedAt ?? null) === null) {
        const why = 'the standby key is not published yet (is the broker reachable? see /healthz)';
        store.transaction(() => rotations.update(record.id, { status: 'aborted', abortedReason: why, completedAt: clock.now() }));
        logger.warn('key rotation aborted', { rotationId: record.id, reason: why });
        return get(record.id);
      }
      if (result.outcome === 'timed_out') {
        logger.warn('key rotation: promotion gate timed out; promoting anyway', {
          rotationId: record.id,
          unconfirmed: result.unconfirmed,
        });
      }
      return await log.exclusive(async () => {
        const active = keys.inState('active');
        const pending = keys.inState('pending');
        // Something overtook this rotation while it waited (a compromise, a rollback).
        if (active?.kid !== record.fromKid || pending?.kid !== record.toKid || toKid === null) {
          const why = `superseded while waiting at the gate: active is ${active?.kid ?? 'none'}, standby is ${pending?.kid ?? 'none'}`;
          store.transaction(() => rotations.update(record.id, { status: 'aborted', abortedReason: why, completedAt: clock.now() }));
          logger.warn('key rotation aborted', { rotationId: record.id, reason: why });
          return get(record.id);
        }
        const standby = await lifecycle.generate();
        await lifecycle.apply(
          [
            { kind: 'transition', kid: active.kid, to: 'retiring' },
            { kind: 'transition', kid: toKid, to: 'active' },
            { kind: 'create', key: standby },
          ],
          { actor: record.actor, reason: record.reason, rotationId: record.id },
          (now) =>
            rotations.update(record.id, {
              status: 'completed',
              promotedAt: now,
              fromKeyState: 'retiring',
              fromKeyChangedAt: now,
              newStandbyKid: standby.key.kid,
              standbyCreatedAt: now,
              completedAt: now,
            }),
        );
        logger.info('key rotation completed', { rotationId: record.id, kind: record.kind, from: active.kid, to: toKid });
        return get(record.id);
      });
    } finally {
      driving.delete(record.id);
    }
  }

  function inProgressId(): string | undefined {
    return [...driving][0] ?? rotations.inProgress()[0]?.id;
  }

  return {
    async rotate(kind, request) {
      const running = inProgressId();
      if (running !== undefined || starting) throw new RotationInProgressError(running ?? 'starting');
      starting = true;
      let record: RotationRecord;
      try {
        record = await log.exclusive(async () => {
          const active = keys.inState('active');
          if (active === undefined) throw new KeyInvalidError('there is no active key to rotate');
          if (keys.inState('pending') === undefined) {
            // Only after a crash between steps; the gate then waits for the new standby to spread.
            await lifecycle.apply([{ kind: 'create', key: await lifecycle.generate() }], {
              actor: request.actor,
              reason: 'standby missing before a rotation',
              rotationId: null,
            });
          }
          const standby = keys.inState('pending');
          if (standby === undefined) throw new KeyInvalidError('the standby key vanished');
          const now = clock.now();
          const created = newRotationRecord({
            id: randomUUID(),
            kind,
            status: 'in_progress',
            fromKid: active.kid,
            toKid: standby.kid,
            actor: request.actor,
            reason: request.reason,
            requestedAt: now,
            gateStartedAt: now,
          });
          store.transaction(() => {
            rotations.insert(created);
            admin.record({
              action: 'keys.rotate',
              target: active.kid,
              actor: request.actor,
              reason: request.reason,
              at: now,
              ...(request.context === undefined ? {} : { context: request.context }),
              details: { rotation_id: created.id, kind, to: standby.kid },
            });
            request.inTransaction?.(created.id);
          });
          driving.add(created.id);
          return created;
        });
      } finally {
        starting = false;
      }
      return drive(record);
    },

    compromise(kid, request) {
      return log.exclusive(async () => {
        const key = keys.get(kid);
        if (key === undefined) throw new KeyNotFoundError(kid);
        assertTransition(kid, key.state, 'revoked');
        const requestedAt = clock.now();
        const id = randomUUID();
        const steps: KeyStep[] = [{ kind: 'transition', kid, to: 'revoked' }];
        let toKid: string | null = null;
        let newStandbyKid: string | null = null;
        if (key.state === 'active') {
          let standby = keys.inState('pending')?.kid;
          if (standby === undefined) {
            // Never expected (a standby always exists); without one, promote a fresh key.
            const fresh = await lifecycle.generate();
            steps.push({ kind: 'create', key: fresh });
            standby = fresh.key.kid;
          }
          steps.push({ kind: 'transition', kid: standby, to: 'active' });
          toKid = standby;
        }
        if (key.state === 'active' || key.state === 'pending') {
          const next = await lifecycle.generate();
          steps.push({ kind: 'create', key: next });
          newStandbyKid = next.key.kid;
        }
        await lifecycle.apply(steps, { actor: request.actor, reason: request.reason, rotationId: id }, (now) => {
          rotations.insert(
            newRotationRecord({
              id,
              kind: 'emergency',
              status: 'completed',
              fromKid: kid,
              toKid,
              actor: request.actor,
              reason: request.reason,
              requestedAt,
              gateOutcome: 'skipped',
              promotedAt: toKid === null ? null : now,
              fromKeyState: 'revoked',
              fromKeyChangedAt: now,
              newStandbyKid,
              standbyCreatedAt: newStandbyKid === null ? null : now,
              completedAt: now,
            }),
          );
          admin.record({
            action: 'keys.compromise',
            target: kid,
            actor: request.actor,
            reason: request.reason,
            at: now,
            ...(request.context === undefined ? {} : { context: request.context }),
            details: { rotation_id: id, was: key.state, promoted: toKid, new_standby: newStandbyKid },
          });
          request.inTransaction?.(id);
        });
        logger.warn('key compromised: revoked', { kid, was: key.state, promoted: toKid, newStandby: newStandbyKid, rotationId: id });
        return get(id);
      });
    },

    rollback(id, request) {
      return log.exclusive(async () => {
        const original = get(id);
        if (original.status === 'rolled_back') {
          throw new RotationNotRollbackableError(id, `it was already rolled back by ${original.rolledBackBy ?? 'another rotation'}`);
        }
        if (original.status !== 'completed') throw new RotationNotRollbackableError(id, `it is ${original.status}`);
        if (original.fromKid === null || original.toKid === null) {
          throw new RotationNotRollbackableError(id, 'it promoted no key');
        }
        const previous = keys.get(original.fromKid);
        const current = keys.get(original.toKid);
        if (previous === undefined) throw new KeyNotFoundError(original.fromKid);
        if (current === undefined) throw new KeyNotFoundError(original.toKid);
        if (previous.state === 'revoked') throw new RollbackTargetRevokedError(id, previous.kid);
        assertTransition(previous.kid, previous.state, 'active', `rotation ${id} cannot re-activate it`);
        const newKeyState = request.newKeyState ?? 'retired';
        if (current.state !== 'active') {
          throw new KeyStateConflictError(
            current.kid,
            current.state,
            newKeyState,
            `rotation ${id} promoted it, but it is no longer active; roll back the rotation that replaced it first`,
          );
        }
        const steps: KeyStep[] =
          newKeyState === 'revoked'
            ? [
                { kind: 'transition', kid: current.kid, to: 'revoked' },
                { kind: 'transition', kid: previous.kid, to: 'active' },
              ]
            : [
                { kind: 'transition', kid: current.kid, to: 'retiring' },
                { kind: 'transition', kid: previous.kid, to: 'active' },
                { kind: 'transition', kid: current.kid, to: 'retired' },
              ];
        const rollbackId = randomUUID();
        const requestedAt = clock.now();
        await lifecycle.apply(steps, { actor: request.actor, reason: request.reason, rotationId: rollbackId }, (now) => {
          rotations.insert(
            newRotationRecord({
              id: rollbackId,
              kind: 'rollback',
              status: 'completed',
              fromKid: current.kid,
              toKid: previous.kid,
              actor: request.actor,
              reason: request.reason,
              requestedAt,
              gateOutcome: 'skipped',
              promotedAt: now,
              fromKeyState: newKeyState,
              fromKeyChangedAt: now,
              completedAt: now,
              rollbackOf: id,
            }),
          );
          rotations.update(id, { status: 'rolled_back', rolledBackBy: rollbackId, rolledBackAt: now });
          admin.record({
            action: 'rotations.rollback',
            target: id,
            actor: request.actor,
            reason: request.reason,
            at: now,
            ...(request.context === undefined ? {} : { context: request.context }),
            details: { rotation_id: rollbackId, restored: previous.kid, new_key: current.kid, new_key_state: newKeyState },
          });
        });
        logger.warn('key rotation rolled back', { rotationId: id, restored: previous.kid, newKey: current.kid, newKeyState });
        return get(rollbackId);
      });
    },

    retireDue() {
      return log.exclusive(async () => {
        const now = clock.now();
        const due = keys.list().filter((k) => k.state === 'retiring' && k.retireAfter !== null && k.retireAfter <= now);
        for (const key of due) {
          await lifecycle.apply([{ kind: 'transition', kid: key.kid, to: 'retired' }], {
            actor: SCHEDULER_ACTOR,
            reason: 'retire_after passed: every token it signed has expired',
            rotationId: rotations.lastReplacing(key.kid)?.id ?? null,
          });
          logger.info('key retired', { kid: key.kid });
        }
        return due.map((k) => k.kid);
      });
    },

    async resumeInterrupted() {
      const waiting = rotations.inProgress().filter((r) => !driving.has(r.id));
      for (const record of waiting) {
        if (stopping.signal.aborted) return;
        logger.info('key rotation: resuming a rotation interrupted by a restart', { rotationId: record.id });
        try {
          await drive(record);
        } catch (error) {
          logger.error('key rotation: resuming failed', { rotationId: record.id, ...logErrorFields(error) });
        }
      }
    },

    get,
    list: (limit) => rotations.list(limit),
    events(id) {
      get(id);
      return log.ofRotation(id);
    },
    busy: () => driving.size > 0 || starting,
    standbyPublished() {
      const standby = keys.inState('pending');
      return standby !== undefined && (log.latest(standby.kid, 'pending')?.publishedAt ?? null) !== null;
    },
    stop: () => stopping.abort(),
  };
}
