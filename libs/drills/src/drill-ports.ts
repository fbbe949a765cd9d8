/**
 * What a drill needs from the outside world, as small ports: the authority's operator API (as an
 * operator with the security-admin role), the instances it probes, and time. The HTTP adapters in
 * `http/` implement them; tests use fakes.
 */

/** The policy fields a drill reads (`drills.*`). */
export interface DrillPolicy {
  readonly containWithinSeconds: number;
  readonly allowSelfApproval: boolean;
}

/** A request the drill makes through the normal operator path, always for its incident. */
export type DrillAction =
  | { readonly type: 'revoke'; readonly target: 'jti' | 'client_id'; readonly value: string; readonly reason: string; readonly incident: string }
  | { readonly type: 'compromise-key'; readonly kid: string; readonly reason: string; readonly incident: string }
  | { readonly type: 'kill-switch'; readonly audience: string; readonly incident: string }
  | { readonly type: 'lift-kill-switch'; readonly audience: string; readonly incident: string }
  | { readonly type: 'disable-client'; readonly clientId: string; readonly reason: string; readonly incident: string };

/** What the authority did with a {@link DrillAction}: done at once, or waiting for an approval. */
export type DrillActionOutcome = { readonly state: 'done' } | { readonly state: 'pending-approval'; readonly approvalId: string };

/** An approval request's state as the authority shows it. */
export interface DrillApprovalState {
  readonly id: string;
  readonly state: 'pending' | 'executing' | 'executed' | 'denied' | 'expired' | 'failed';
  readonly decidedBy: string | null;
  readonly error: string | null;
}

/** A sidecar instance the authority knows from its heartbeats. */
export interface DrillInstance {
  readonly instanceId: string;
  readonly live: boolean;
  readonly audiences: readonly string[];
  readonly lastHeartbeatAt: number;
  /**
   * What its last heartbeat said of its staleness bound (`GET /v1/instances` `staleness`):
   * stale or not, its default stale policy, tokens its fail-open routes accepted while stale.
   * Absent when it did not say (an older sidecar or authority).
   */
  readonly staleness?: { readonly stale: boolean; readonly policy: 'fail-closed' | 'fail-open-UNSAFE'; readonly failOpenAccepted: number };
}

/** The parts of an incident's timeline a drill measures (authority times, epoch ms). */
export interface DrillTimeline {
  /** Containing actions linked to the incident (revocations, key compromises, kill switches) and when the authority accepted each. */
  readonly actions: readonly { readonly kind: string; readonly id: string; readonly acceptedAt: number | null }[];
  /** Every acknowledgement: which instance applied which action, when. */
  readonly applied: readonly { readonly actionId: string; readonly instanceId: string; readonly at: number }[];
  /** Anomaly alerts raised while the incident was open. */
  readonly alerts: readonly { readonly kind: string; readonly at: number; readonly summary: string }[];
  /** The authority's own verdict (every live instance acknowledged), for the report. */
  readonly containedAt: number | null;
  readonly why: string | null;
}

/** The authority's operator API, as far as a drill uses it. Every write carries `justification`. */
export interface DrillAuthority {
  policy(): Promise<DrillPolicy>;
  openDrillIncident(title: string, justification: string): Promise<{ readonly id: string }>;
  /** `open → contained → resolved`; resolved closes it. */
  setIncidentStatus(id: string, status: 'contained' | 'resolved', justification: string): Promise<void>;
  /** A client for the drill's canary tokens (its secret comes back once). */
  registerCanaryClient(input: { readonly clientId: string; readonly audiences: readonly string[]; readonly scopes: readonly string[] }, justification: string): Promise<{ readonly clientId: string; readonly secret: string }>;
  /** An access token for the canary (client credentials). */
  issueToken(clientId: string, secret: string): Promise<string>;
  act(action: DrillAction, justification: string): Promise<DrillActionOutcome>;
  approval(id: string): Promise<DrillApprovalState>;
  /** Approves as the drill's own operator (allowed for a drill's requests under `drills.allowSelfApproval`). */
  approve(id: string, justification: string): Promise<DrillApprovalState>;
  /** Every instance the authority knows, live or gone. */
  instances(): Promise<readonly DrillInstance[]>;
  timeline(incidentId: string): Promise<DrillTimeline>;
}

/** One answer of a probed instance. */
export type ProbeAnswer =
  | { readonly outcome: 'accepted'; readonly status: number; readonly instanceId: string | null }
  | { readonly outcome: 'rejected'; readonly status: number; readonly code: string | null }
  | { readonly outcome: 'unreachable'; readonly reason: string };

/** Sends a token to an instance (a probe endpoint, or a real request URL the operator gave). */
export interface InstanceProber {
  probe(url: string, token: string): Promise<ProbeAnswer>;
  /**
   * A drill switch of the instance (`POST <url>`): cuts it off the broker, or restores it.
   * `instanceId`: the instance the switch says it acted on (the demo-api's answers `instance_id`),
   * null when it does not say.
   */
  post(url: string): Promise<{ readonly ok: boolean; readonly status: number; readonly instanceId?: string | null }>;
}

/** Time, injected so the engine runs in tests without sleeping for real. */
export interface DrillClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemDrillClock: DrillClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
