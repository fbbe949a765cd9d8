import type { StoredSigningKey } from '../keys/key-store';
import type { Milliseconds } from '../time/clock';
import type { RotationPolicy } from './rotation-policy';

/** What will happen to the keys next, and when (epoch ms). */
export interface KeyCalendar {
  readonly activeKid: string | null;
  readonly standbyKid: string | null;
  /**
   * When the scheduler will rotate: the active key's age reaches the period, and the standby
   * has been published for at least the pre-publish lead. Null without an active key.
   */
  readonly nextRotationAt: Milliseconds | null;
  /** Retiring keys, soonest first, with the time they become `retired`. */
  readonly upcomingRetirements: readonly { readonly kid: string; readonly retireAfter: Milliseconds }[];
}

/** Computes the calendar from the keys as stored. Pure: the scheduler and the API share it. */
export function keyCalendar(keys: readonly StoredSigningKey[], policy: Pick<RotationPolicy, 'rotationPeriodMs' | 'prepublishLeadMs'>): KeyCalendar {
  const active = keys.find((k) => k.state === 'active');
  const standby = keys.find((k) => k.state === 'pending');
  let nextRotationAt: Milliseconds | null = null;
  if (active !== undefined) {
    const byAge = (active.activatedAt ?? active.createdAt) + policy.rotationPeriodMs;
    // A standby created moments ago (after a compromise of the previous one) has not had time
    // to reach every sidecar; the lead keeps a scheduled rotation from racing it.
    const byLead = standby === undefined ? byAge : standby.createdAt + policy.prepublishLeadMs;
    nextRotationAt = Math.max(byAge, byLead);
  }
  const upcomingRetirements = keys
    .filter((k) => k.state === 'retiring' && k.retireAfter !== null)
    .map((k) => ({ kid: k.kid, retireAfter: k.retireAfter as Milliseconds }))
    .sort((a, b) => a.retireAfter - b.retireAfter);
  return { activeKid: active?.kid ?? null, standbyKid: standby?.kid ?? null, nextRotationAt, upcomingRetirements };
}
