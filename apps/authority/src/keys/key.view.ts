import type { KeyCalendar, PublicSigningJwk, StoredSigningKey } from '@revmesh/authority-core';

/** A token-signing key as the API shows it: public part and lifecycle, never private material. */
export interface KeyView {
  readonly kid: string;
  readonly alg: string;
  readonly state: StoredSigningKey['state'];
  readonly created_at: number;
  readonly state_changed_at: number;
  readonly activated_at: number | null;
  readonly deactivated_at: number | null;
  readonly retire_after: number | null;
  readonly public_jwk: PublicSigningJwk;
}

export function keyView(k: StoredSigningKey): KeyView {
  return {
    kid: k.kid,
    alg: k.alg,
    state: k.state,
    created_at: k.createdAt,
    state_changed_at: k.stateChangedAt,
    activated_at: k.activatedAt,
    deactivated_at: k.deactivatedAt,
    retire_after: k.retireAfter,
    public_jwk: k.publicJwk,
  };
}

/** `GET /v1/keys/calendar`. */
export interface CalendarView {
  readonly now: number;
  readonly active_kid: string | null;
  readonly standby_kid: string | null;
  readonly next_rotation_at: number | null;
  readonly rotation_period_seconds: number;
  readonly prepublish_lead_seconds: number;
  readonly upcoming_retirements: readonly { readonly kid: string; readonly retire_after: number }[];
  readonly rotation_in_progress: boolean;
}

export function calendarView(c: KeyCalendar, now: number, policy: { rotationPeriodMs: number; prepublishLeadMs: number }, busy: boolean): CalendarView {
  return {
    now,
    active_kid: c.activeKid,
    standby_kid: c.standbyKid,
    next_rotation_at: c.nextRotationAt,
    rotation_period_seconds: policy.rotationPeriodMs / 1000,
    prepublish_lead_seconds: policy.prepublishLeadMs / 1000,
    upcoming_retirements: c.upcomingRetirements.map((r) => ({ kid: r.kid, retire_after: r.retireAfter })),
    rotation_in_progress: busy,
  };
}
