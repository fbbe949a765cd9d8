import type { DrillAction } from '../drill-ports';

/** The scenarios a drill can play, by stable name (the CLI's `--scenario`). */
export const DRILL_SCENARIO_NAMES = ['leaked-access-token', 'compromised-client', 'leaked-signing-key', 'mass-logout', 'stale-sidecar'] as const;
export type DrillScenarioName = (typeof DRILL_SCENARIO_NAMES)[number];

/** What a scenario knows when it decides its response: the drill's incident and its canary. */
export interface ScenarioContext {
  readonly incidentId: string;
  /** The audience the canary's tokens are for (the service under drill). */
  readonly audience: string;
  readonly canary: {
    readonly clientId: string;
    /** The "leaked" access token's `jti` and the `kid` of the key that signed it. */
    readonly jti: string;
    readonly kid: string;
  };
}

/** One scripted drill: what leaks, how the response contains it, and what it undoes afterwards. */
export interface DrillScenario {
  readonly name: DrillScenarioName;
  /** One line for `--help` and the report. */
  readonly summary: string;
  /** The containing actions, made in order through the normal operator path (approvals included). */
  response(context: ScenarioContext): readonly DrillAction[];
  /** Actions that end the scenario's side effects once measured (made for the incident too). */
  undo(context: ScenarioContext): readonly DrillAction[];
  /** Anomaly alerts that should fire within the objective when the leaked credential is used after the response. */
  readonly expectedAlerts: readonly string[];
  /** Whether it needs an instance cut off from the broker (the drill's `cutOffUrls` or `staleInstances`). */
  readonly needsStaleInstance: boolean;
  /** What the drill deliberately leaves behind, said in the report. */
  readonly leftBehind?: string;
}
