import type { DrillScenarioName } from './scenarios/drill-scenario';

/** Containment of one instance: a probed URL, an instance the authority knows, or both. */
export interface InstanceContainment {
  /** From the probe's answer (`instance_id`) or the authority's instance list; null for a URL that does not say. */
  readonly instanceId: string | null;
  /** The URL probed; null for an instance the drill could only watch through the authority. */
  readonly url: string | null;
  /** Time from the response being accepted to the first request refused, ms; null: never refused within the watch. */
  readonly firstRejectionMs: number | null;
  /** The refusal's code (`TOKEN_REVOKED`, `KEY_REVOKED`, `KILL_SWITCH_CUT`, …). */
  readonly rejectionCode: string | null;
  /** Requests accepted with the leaked credential after the response was accepted; null when not probed. */
  readonly acceptedAfterResponse: number | null;
  /** …of which after the objective's deadline. */
  readonly acceptedAfterDeadline: number | null;
  /** Requests that got no answer (instance unreachable) during the watch. */
  readonly unreachable: number;
  /** Time from the authority accepting the containing action(s) to this instance acknowledging all of them, ms; null: never. */
  readonly ackMs: number | null;
  /** Whether the authority counts it live (heartbeats) at the end of the drill; null: unknown to it. */
  readonly live: boolean | null;
  /** Why it is known stale: cut off by the drill, named by the operator, or found refusing with STALE_STATE; null: not known stale. */
  readonly stale: string | null;
  readonly contained: boolean;
  /** Why it is not contained (null when it is). */
  readonly why: string | null;
}

/** One approval the drill waited for (its response's, then its cleanup's). */
export interface DrillApproval {
  readonly id: string;
  readonly action: string;
  readonly waitedMs: number;
  readonly decidedBy: string | null;
  /** Approved by the drill's own operator under `drills.allowSelfApproval` (audited as such). */
  readonly selfApproved: boolean;
}

/** Something an operator overlooked, found by the drill. */
export interface OverlookedItem {
  readonly kind: 'never-acknowledged' | 'stale' | 'fail-open' | 'accepted-after-deadline' | 'slow-approval' | 'alert-missing' | 'alert-late' | 'not-probed' | 'unreachable' | 'cleanup';
  /** The instance, URL, approval or alert it is about. */
  readonly subject: string;
  readonly detail: string;
}

/** Everything a drill measured and concluded; `--json` prints it as is. */
export interface DrillResult {
  readonly scenario: DrillScenarioName;
  readonly summary: string;
  readonly incidentId: string;
  readonly audience: string;
  readonly canaryClientId: string;
  /** ISO-8601. */
  readonly startedAt: string;
  readonly finishedAt: string;
  /** The policy's `drills.containWithinSeconds`. */
  readonly containWithinSeconds: number;
  readonly response: {
    readonly actions: readonly string[];
    /** When the drill saw the response accepted (after any approval), ISO-8601. */
    readonly acceptedAt: string;
    readonly approvals: readonly DrillApproval[];
  };
  readonly instances: readonly InstanceContainment[];
  readonly alerts: readonly { readonly kind: string; readonly afterMs: number; readonly summary: string }[];
  /** The authority's own containment verdict of the incident. */
  readonly authority: { readonly containedAt: string | null; readonly why: string | null };
  readonly overlooked: readonly OverlookedItem[];
  readonly cleanup: readonly string[];
  readonly verdict: { readonly passed: boolean; readonly reasons: readonly string[] };
}
