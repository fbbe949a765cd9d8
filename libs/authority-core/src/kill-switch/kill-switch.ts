import type { AuditContext } from '../audit/audit-context';

/** Every audience, or one. */
export type KillSwitchScope = { readonly kind: 'global' } | { readonly kind: 'audience'; readonly audience: string };

/** The state of one scope's kill switch. */
export interface KillSwitchState {
  readonly scope: KillSwitchScope;
  /** Tokens of this scope issued at or before this time (ms; compared with `iat` in seconds) are rejected. */
  readonly issuedAtOrBefore: number;
  /** While true, sidecars of this scope reject every token with `LOCKDOWN`. */
  readonly lockdown: boolean;
  readonly engagedAt: number;
  readonly engagedBy: string;
  readonly liftedAt: number | null;
  readonly liftedBy: string | null;
}

/** The kill switch, without approvals (the approval gate calls it once approved). */
export interface KillSwitchService {
  /**
   * Rejects every token of `scope` issued at or before `issuedAtOrBefore` (default: now), and
   * with `lockdown` makes the scope's sidecars reject everything until {@link lift}.
   */
  engage(
    input: {
      readonly scope: KillSwitchScope;
      readonly issuedAtOrBefore?: number;
      readonly lockdown: boolean;
      /**
       * Runs in the engagement's transaction with the `seq` of its `kill-switch.engage` audit
       * entry (e.g. links it to an incident); throwing rolls the engagement back.
       */
      readonly inTransaction?: (auditSeq: number) => void;
    },
    context: AuditContext,
  ): Promise<KillSwitchState>;
  /** Ends the scope's lockdown. Tokens issued at or before the cut stay rejected. */
  lift(scope: KillSwitchScope, context: AuditContext): Promise<KillSwitchState>;
  /** Every scope that was ever engaged, with its current state. */
  list(): KillSwitchState[];
}
