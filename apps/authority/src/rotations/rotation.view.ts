import type { EventCoverage, KeyEventRecord, RotationRecord } from '@revmesh/authority-core';
import { coverageView, type CoverageView } from '../instances/coverage.view';

/** A rotation record as the API shows it. Times are epoch ms, null until the step happened. */
export interface RotationView {
  readonly id: string;
  readonly kind: RotationRecord['kind'];
  readonly status: RotationRecord['status'];
  readonly from_kid: string | null;
  readonly to_kid: string | null;
  readonly new_standby_kid: string | null;
  readonly actor: RotationRecord['actor'];
  readonly reason: string;
  readonly requested_at: number;
  readonly gate_started_at: number | null;
  readonly gate_completed_at: number | null;
  readonly gate_outcome: RotationRecord['gateOutcome'];
  readonly unconfirmed_instances: readonly string[];
  readonly promoted_at: number | null;
  readonly from_key_state: string | null;
  readonly from_key_changed_at: number | null;
  readonly standby_created_at: number | null;
  readonly completed_at: number | null;
  readonly aborted_reason: string | null;
  readonly rollback_of: string | null;
  readonly rolled_back_by: string | null;
  readonly rolled_back_at: number | null;
}

export function rotationView(r: RotationRecord): RotationView {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    from_kid: r.fromKid,
    to_kid: r.toKid,
    new_standby_kid: r.newStandbyKid,
    actor: r.actor,
    reason: r.reason,
    requested_at: r.requestedAt,
    gate_started_at: r.gateStartedAt,
    gate_completed_at: r.gateCompletedAt,
    gate_outcome: r.gateOutcome,
    unconfirmed_instances: r.unconfirmedInstances,
    promoted_at: r.promotedAt,
    from_key_state: r.fromKeyState,
    from_key_changed_at: r.fromKeyChangedAt,
    standby_created_at: r.standbyCreatedAt,
    completed_at: r.completedAt,
    aborted_reason: r.abortedReason,
    rollback_of: r.rollbackOf,
    rolled_back_by: r.rolledBackBy,
    rolled_back_at: r.rolledBackAt,
  };
}

/** A key event of a rotation, with its coverage. */
export interface RotationEventView extends Omit<CoverageView, 'event_id'> {
  readonly event_id: string;
  readonly subject: KeyEventRecord['subject'];
  readonly kid: string;
  readonly state: string;
  readonly key_set_version: number;
  readonly signer_kid: string;
}

export function rotationEventView(e: KeyEventRecord & { readonly coverage: EventCoverage }): RotationEventView {
  return {
    ...coverageView(e.coverage),
    subject: e.subject,
    kid: e.kid,
    state: e.state,
    key_set_version: e.version,
    signer_kid: e.signerKid,
  };
}
