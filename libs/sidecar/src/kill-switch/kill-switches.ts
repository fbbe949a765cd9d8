import type { KillSwitchChangedEvent } from '@revmesh/contracts';
import type { EpochSeconds } from '../internal/units';
import { rejection, type EventRejection } from '../sync/event-rejection';
import type { KillSwitchScope } from '../verify/verify-result';

/** One kill switch as `stats().killSwitches` lists it: plain JSON. */
export interface KillSwitchSnapshot {
  readonly scope: KillSwitchScope;
  /** Tokens of the scope with `iat` at or before this (seconds) are refused with `KILL_SWITCH_CUT`. */
  readonly notAfterIat: EpochSeconds;
  /** While true, every token is refused with `LOCKDOWN`. */
  readonly lockdown: boolean;
  /** The `key_set_version` of the event that set this state. */
  readonly keySetVersion: number;
}

export type KillSwitchOutcome =
  | { readonly ok: true; readonly previous: KillSwitchSnapshot | undefined; readonly current: KillSwitchSnapshot }
  | EventRejection;

/**
 * The kill switches learnt from the keys topic, one per scope (global, or an audience). Each
 * scope keeps the `key_set_version` of its latest event, so a replayed older event (an old
 * lift, say) is refused as `STALE_KEY_EVENT` instead of ending a newer lockdown.
 */
export interface KillSwitches {
  /** Applies one (signature-checked) `kill-switch.changed` event. Never throws. */
  apply(event: KillSwitchChangedEvent): KillSwitchOutcome;
  /**
   * The locked-down scope that covers a service of `audiences` (global first), or undefined.
   * A service with several audiences is locked down when any of them is.
   */
  lockdownFor(audiences: readonly string[]): KillSwitchScope | undefined;
  /** The scope whose cut covers a token of `aud` issued at `iat` (global first), or undefined. */
  cutFor(aud: string | readonly string[], iat: EpochSeconds): KillSwitchSnapshot | undefined;
  list(): KillSwitchSnapshot[];
  /** Calls `listener` after every applied change (engaged, lockdown, lifted). Returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
}

const labelOf = (scope: KillSwitchScope): string => (scope.kind === 'global' ? 'global' : `aud:${scope.audience}`);

export function createKillSwitches(): KillSwitches {
  const scopes = new Map<string, KillSwitchSnapshot>();
  // Read on every verify: a counter keeps the common case (no lockdown anywhere) one comparison.
  let lockdowns = 0;
  const listeners = new Set<() => void>();

  return {
    apply(event) {
      const { scope, not_after_iat: notAfterIat, lockdown, key_set_version: version } = event.payload;
      const label = labelOf(scope);
      const held = scopes.get(label);
      if (held && version <= held.keySetVersion) {
        return rejection('STALE_KEY_EVENT', `kill switch ${label}: key_set_version ${version} is not newer than the held ${held.keySetVersion}`);
      }
      // The authority never moves a cut back; should an event ever say so, the stricter cut stays.
      const current: KillSwitchSnapshot = { scope, notAfterIat: Math.max(notAfterIat, held?.notAfterIat ?? 0), lockdown, keySetVersion: version };
      scopes.set(label, current);
      lockdowns += (lockdown ? 1 : 0) - (held?.lockdown ? 1 : 0);
      for (const listener of listeners) listener();
      return { ok: true, previous: held, current };
    },
    lockdownFor(audiences) {
      if (lockdowns === 0) return undefined;
      if (scopes.get('global')?.lockdown) return { kind: 'global' };
      for (const audience of audiences) {
        const held = scopes.get(`aud:${audience}`);
        if (held?.lockdown) return held.scope;
      }
      return undefined;
    },
    cutFor(aud, iat) {
      if (scopes.size === 0) return undefined;
      const global = scopes.get('global');
      if (global && iat <= global.notAfterIat) return global;
      for (const audience of typeof aud === 'string' ? [aud] : aud) {
        const held = scopes.get(`aud:${audience}`);
        if (held && iat <= held.notAfterIat) return held;
      }
      return undefined;
    },
    list: () => [...scopes.values()],
    onChange(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}
