import { REVOCATION_TARGET_TYPES, type Actor, type RevocationTarget } from '@revmesh/contracts';
import type { AuditContext } from '../audit/audit-context';
import { IssuerNotTrustedError, RevocationBatchInvalidError, RevocationBatchNeedsApprovalError, type BatchItemError } from '../errors/errors';
import { MAX_REASON_LENGTH, MAX_TARGET_VALUE_LENGTH, type Revocation } from './revocation';

/** Most targets one batch may hold. */
export const MAX_BATCH_TARGETS = 10_000;

/** One target of a batch. */
export interface BatchTarget {
  readonly target: RevocationTarget;
  /** A registered, enabled trusted issuer; undefined: the authority's own tokens. */
  readonly iss?: string;
}

/** What `revokeBatch` takes: many targets, one reason, one actor, one justification (in `context`). */
export interface RevokeBatchInput {
  /** 1..{@link MAX_BATCH_TARGETS} targets; duplicates are allowed (each gets its own revocation). */
  readonly targets: readonly BatchTarget[];
  readonly reason: string;
  readonly actor: Actor;
  /** Incoming W3C `traceparent` to continue, if the request carried one. */
  readonly traceparent?: string;
  /** The operator's audit context (its justification covers the whole batch). */
  readonly context?: AuditContext;
  /**
   * Runs inside the batch's savepoint, after it and its audit entries are written (e.g. links it
   * to an incident): throwing rolls the whole batch back and rejects with that error.
   */
  readonly inTransaction?: (batch: RevocationBatch) => void;
}

/** An accepted batch: every revocation, in the order of the targets. */
export interface RevocationBatch {
  /** Names the batch in its audit entry (`revocations.create-batch`, target = this id). */
  readonly batchId: string;
  readonly revocations: readonly Revocation[];
}

/** What the batch check needs from the rest of the authority. */
export interface BatchChecks {
  /** The checked `iss` (undefined: own tokens). @throws {IssuerNotTrustedError} */
  readonly issuer: (iss: string | undefined) => string | undefined;
  /** The policy's approvable action for a target type when it needs a second person, else undefined. */
  readonly approvalAction: (type: RevocationTarget['type']) => string | undefined;
}

/**
 * Checks every target of a batch before anything is signed or written, and returns each one's
 * checked issuer. Every refused target is named (index, field, why), not only the first.
 *
 * @throws {TypeError} for an empty or oversized batch or a bad reason (the API validates first).
 * @throws {RevocationBatchNeedsApprovalError} when a target's type needs a second security-admin.
 * @throws {RevocationBatchInvalidError} when a target is refused (value bounds, issuer not trusted).
 */
export function checkBatch(input: RevokeBatchInput, checks: BatchChecks): (string | undefined)[] {
  const { targets, reason } = input;
  if (!Array.isArray(targets) || targets.length === 0 || targets.length > MAX_BATCH_TARGETS) {
    throw new TypeError(`targets must hold 1..${MAX_BATCH_TARGETS} entries`);
  }
  if (typeof reason !== 'string' || reason.length === 0 || reason.length > MAX_REASON_LENGTH) {
    throw new TypeError(`reason must be 1..${MAX_REASON_LENGTH} characters`);
  }
  const invalid: BatchItemError[] = [];
  const gated: BatchItemError[] = [];
  const actions = new Set<string>();
  const issuers: (string | undefined)[] = [];
  targets.forEach(({ target, iss }, index) => {
    issuers.push(undefined);
    if (!(REVOCATION_TARGET_TYPES as readonly string[]).includes(target?.type)) {
      invalid.push({ index, field: 'target', message: `must be one of ${REVOCATION_TARGET_TYPES.join(', ')}` });
      return;
    }
    if (typeof target.value !== 'string' || target.value.length === 0 || target.value.length > MAX_TARGET_VALUE_LENGTH) {
      invalid.push({ index, field: 'value', message: `must be 1..${MAX_TARGET_VALUE_LENGTH} characters` });
      return;
    }
    const action = checks.approvalAction(target.type);
    if (action !== undefined) {
      actions.add(action);
      gated.push({ index, field: 'target', message: `${action} needs a second security-admin under the policy` });
      return;
    }
    try {
      issuers[index] = checks.issuer(iss);
    } catch (error) {
      if (!(error instanceof IssuerNotTrustedError)) throw error;
      invalid.push({ index, field: 'iss', message: error.message });
    }
  });
  // Approval first: a caller fixing only the values would otherwise meet the second refusal next.
  if (gated.length > 0) throw new RevocationBatchNeedsApprovalError(gated, [...actions]);
  if (invalid.length > 0) throw new RevocationBatchInvalidError(invalid);
  return issuers;
}
