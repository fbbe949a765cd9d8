import { randomBytes } from 'node:crypto';
import { acknowledgementDelays } from './acknowledgements';
import { assessDrill } from './assess-drill';
import { DrillApprovalNotGivenError, DrillError } from './drill-errors';
import { resolveDrillOptions, restoreUrlOf, type DrillRunOptions, type ResolvedDrillOptions } from './drill-options';
import { systemDrillClock, type DrillAction, type DrillAuthority, type DrillClock, type DrillPolicy, type DrillTimeline, type InstanceProber } from './drill-ports';
import type { DrillApproval, DrillResult, OverlookedItem } from './drill-result';
import { watchProbes } from './probe-watch';
import type { ScenarioContext } from './scenarios/drill-scenario';
import { DRILL_SCENARIOS } from './scenarios/scenarios';

/** What a drill runs against. */
export interface DrillDeps {
  readonly authority: DrillAuthority;
  readonly prober: InstanceProber;
  /** Default: the system clock. */
  readonly clock?: DrillClock;
  /** Told each step as it happens (the CLI prints them on stderr). */
  readonly progress?: (line: string) => void;
  /** Suffix of the canary client's id (tests). Default: 8 random hex digits. */
  readonly newId?: () => string;
  /**
   * Stops the drill early (Ctrl-C): the measurement ends at the next pause, cleanup still runs
   * (cut-off instances reconnected, canary disabled, incident closed as aborted), and the drill
   * rejects with a `DRILL_INTERRUPTED` error.
   */
  readonly signal?: AbortSignal;
}

/** The scope every canary token carries: a service's logs tell a drill's token from a real one. */
export const DRILL_TOKEN_SCOPE = 'revmesh:drill';

function describe(action: DrillAction): string {
  switch (action.type) {
    case 'revoke':
      return `revoke ${action.target} ${action.value}`;
    case 'compromise-key':
      return `compromise key ${action.kid}`;
    case 'kill-switch':
      return `kill switch for ${action.audience} (no lockdown)`;
    case 'lift-kill-switch':
      return `lift the kill switch of ${action.audience}`;
    case 'disable-client':
      return `disable client ${action.clientId}`;
  }
}

function claimsOf(token: string): { jti: string; kid: string } {
  const [header, payload] = token.split('.');
  try {
    const h = JSON.parse(Buffer.from(header ?? '', 'base64url').toString()) as { kid?: unknown };
    const p = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as { jti?: unknown };
    if (typeof h.kid === 'string' && typeof p.jti === 'string') return { jti: p.jti, kid: h.kid };
  } catch {
    // reported below
  }
  throw new DrillError('DRILL_AUTHORITY_ANSWER', 'the canary access token is not a JWT with a kid and a jti');
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Runs one breach drill against a live mesh, through the normal operator path:
 *
 * 1. opens an incident of kind `drill`, registers a canary client (scope `revmesh:drill`) and
 *    gets it a token; every probe URL must accept it (baseline);
 * 2. for `stale-sidecar`, cuts the named instances off the broker;
 * 3. "leaks" the token and makes the scenario's response for the incident — an action behind the
 *    two-person rule waits for a real approval, or is approved by the drill's own operator when
 *    the policy's `drills.allowSelfApproval` allows it (audited as a drill self-approval);
 * 4. from the moment the response is accepted until the policy's `drills.containWithinSeconds`
 *    runs out, probes every URL with the leaked token (first refusal, requests still accepted)
 *    and reads the incident's timeline (each instance's acknowledgement, alerts);
 * 5. cleans up whatever happened — cut-offs restored, the scenario undone, the canary client
 *    disabled — and closes the incident with the verdict.
 *
 * A drill that fails its objective resolves with `verdict.passed` false; it rejects only when it
 * could not be carried out (bad options, the authority refusing, an approval not given).
 */
export async function runDrill(options: DrillRunOptions, deps: DrillDeps): Promise<DrillResult> {
  const o = resolveDrillOptions(options);
  const { authority, prober } = deps;
  const clock = deps.clock ?? systemDrillClock;
  // What waits during the drill (probes, approvals, the timeline) stops at an interruption; cleanup uses `clock`.
  const interrupted = () => {
    if (deps.signal?.aborted === true) throw new DrillError('DRILL_INTERRUPTED', 'the drill was interrupted');
  };
  const waiting: DrillClock = {
    now: () => clock.now(),
    sleep: async (ms) => {
      interrupted();
      await clock.sleep(ms);
      interrupted();
    },
  };
  const progress = deps.progress ?? (() => undefined);
  const scenario = DRILL_SCENARIOS[o.scenario];
  const justification = `drill ${o.scenario}: ${o.justification}`;
  const startedAt = clock.now();

  const policy = await authority.policy();
  const objectiveMs = policy.containWithinSeconds * 1000;
  const instancesAtStart = await authority.instances();
  const incident = await authority.openDrillIncident(`drill ${o.scenario}: ${scenario.summary}`, justification);
  progress(`incident ${incident.id} opened (kind drill); objective: contained within ${policy.containWithinSeconds} s (policy drills.containWithinSeconds)`);

  const cleanup: string[] = [];
  const cleanupProblems: OverlookedItem[] = [];
  const approvals: DrillApproval[] = [];
  let context: ScenarioContext | undefined;
  let cutOff: string[] = [];
  let outcome: 'aborted' | { passed: boolean; line: string } = 'aborted';
  let abortReason = '';
  try {
    const clientId = `drill-${o.scenario}-${deps.newId?.() ?? randomBytes(4).toString('hex')}`;
    const canary = await authority.registerCanaryClient({ clientId, audiences: [o.audience], scopes: [DRILL_TOKEN_SCOPE] }, justification);
    const token = await authority.issueToken(canary.clientId, canary.secret);
    const { jti, kid } = claimsOf(token);
    context = { incidentId: incident.id, audience: o.audience, canary: { clientId: canary.clientId, jti, kid } };
    progress(`canary client ${canary.clientId} (scope ${DRILL_TOKEN_SCOPE}) got a token: jti ${jti}, key ${kid}`);

    const targets = await baseline(o, prober, token);
    for (const t of targets) progress(`baseline: ${t.url} accepts the canary token${t.instanceId === null ? '' : ` (instance ${t.instanceId})`}`);

    const knownStale = new Map<string, string>(o.staleInstances.map((id) => [id, 'named stale by the operator']));
    for (const url of o.cutOffUrls) {
      const answer = await prober.post(url);
      if (!answer.ok) throw new DrillError('DRILL_BASELINE_FAILED', `cutting an instance off failed: POST ${url} answered ${answer.status}`);
      cutOff.push(url);
      // The instance the switch names (its own id, as in heartbeats and probe answers); a switch
      // that does not say is matched to the probe URL on the same origin.
      const origin = new URL(url).origin;
      const cutId = answer.instanceId ?? targets.find((t) => new URL(t.url).origin === origin)?.instanceId ?? url;
      knownStale.set(cutId, `cut off from the broker by the drill (POST ${url}): it cannot hear the response`);
      progress(`cut off from the broker: ${cutId}`);
    }

    progress(`leaked: the canary token (jti ${jti}) is now treated as stolen`);
    for (const action of scenario.response(context)) {
      progress(`response: ${describe(action)}`);
      interrupted();
      const approval = await perform(action, { authority, clock: waiting, policy, justification, approvalTimeoutMs: o.approvalTimeoutMs, progress });
      if (approval !== undefined) approvals.push(approval);
    }
    const responseAt = clock.now();
    const deadline = responseAt + objectiveMs;
    progress('response accepted; measuring containment');

    const expected = new Set([
      ...instancesAtStart.filter((i) => i.live && (i.audiences.length === 0 || i.audiences.includes(o.audience))).map((i) => i.instanceId),
      ...targets.map((t) => t.instanceId).filter((id): id is string => id !== null && instancesAtStart.some((i) => i.instanceId === id)),
    ]);
    const [probes, timeline] = await Promise.all([
      watchProbes(targets, token, { prober, clock: waiting, from: responseAt, deadline, until: deadline, intervalMs: o.probeIntervalMs }),
      watchAcknowledgements(authority, incident.id, [...expected], { clock: waiting, deadline, pollMs: o.timelinePollMs, alerts: scenario.expectedAlerts }),
    ]);
    const instancesAtEnd = await authority.instances();
    const assessment = assessDrill({
      objectiveMs,
      audience: o.audience,
      probes,
      instancesAtStart,
      instancesAtEnd,
      ackMs: acknowledgementDelays(timeline, [...new Set([...expected, ...probes.map((p) => p.instanceId).filter((id): id is string => id !== null)])]),
      responseAt,
      knownStale,
      approvals,
      timeline,
      expectedAlerts: scenario.expectedAlerts,
    });
    const finish = async (): Promise<DrillResult> => ({
      scenario: o.scenario,
      summary: scenario.summary,
      incidentId: incident.id,
      audience: o.audience,
      canaryClientId: canary.clientId,
      startedAt: new Date(startedAt).toISOString(),
      finishedAt: new Date(clock.now()).toISOString(),
      containWithinSeconds: policy.containWithinSeconds,
      response: { actions: scenario.response(context!).map(describe), acceptedAt: new Date(responseAt).toISOString(), approvals },
      instances: assessment.instances,
      alerts: assessment.alerts,
      authority: { containedAt: timeline.containedAt === null ? null : new Date(timeline.containedAt).toISOString(), why: timeline.why },
      overlooked: [...assessment.overlooked, ...cleanupProblems],
      cleanup,
      verdict: assessment.verdict,
    });
    outcome = {
      passed: assessment.verdict.passed,
      line: assessment.verdict.passed
        ? `drill ${o.scenario} passed: every instance contained within ${policy.containWithinSeconds} s`
        : `drill ${o.scenario} failed: ${assessment.verdict.reasons.join('; ')}`,
    };
    // Cleanup before the result is put together, so it reports what cleanup did.
    await cleanUp();
    return await finish();
  } catch (error) {
    abortReason = messageOf(error);
    await cleanUp();
    throw error;
  }

  async function cleanUp(): Promise<void> {
    for (const url of cutOff) {
      const restore = restoreUrlOf(url);
      try {
        const answer = await prober.post(restore);
        if (!answer.ok) throw new Error(`answered ${answer.status}`);
        cleanup.push(`reconnected to the broker: POST ${restore}`);
      } catch (error) {
        cleanupProblems.push({ kind: 'cleanup', subject: restore, detail: `the instance was not reconnected: ${messageOf(error)}` });
      }
    }
    cutOff = [];
    if (context !== undefined) {
      const undo = [...scenario.undo(context), { type: 'disable-client' as const, clientId: context.canary.clientId, reason: 'drill over: canary client disabled', incident: incident.id }];
      for (const action of undo) {
        try {
          const approval = await perform(action, { authority, clock, policy, justification, approvalTimeoutMs: o.approvalTimeoutMs, progress });
          if (approval !== undefined) approvals.push(approval);
          cleanup.push(`${describe(action)}: done`);
        } catch (error) {
          cleanupProblems.push({ kind: 'cleanup', subject: describe(action), detail: `not done: ${messageOf(error)}` });
        }
      }
      if (scenario.leftBehind !== undefined) cleanup.push(`left as is: ${scenario.leftBehind}`);
    }
    try {
      const verdict = outcome === 'aborted' ? `drill ${o.scenario} aborted: ${abortReason}` : outcome.line;
      if (outcome !== 'aborted' && outcome.passed) await authority.setIncidentStatus(incident.id, 'contained', `${justification} (every instance contained)`);
      await authority.setIncidentStatus(incident.id, 'resolved', verdict.slice(0, 1900));
      cleanup.push(`incident ${incident.id} closed with the result`);
    } catch (error) {
      cleanupProblems.push({ kind: 'cleanup', subject: `incident ${incident.id}`, detail: `not closed: ${messageOf(error)}` });
    }
  }
}

/** Every probe URL must accept the fresh canary token, else its containment cannot be measured. */
async function baseline(o: ResolvedDrillOptions, prober: InstanceProber, token: string): Promise<{ url: string; instanceId: string | null }[]> {
  return Promise.all(
    o.probeUrls.map(async (url) => {
      const answer = await prober.probe(url, token);
      if (answer.outcome !== 'accepted') {
        const what = answer.outcome === 'rejected' ? `refused it (${answer.status} ${answer.code ?? ''})` : `did not answer (${answer.reason})`;
        throw new DrillError('DRILL_BASELINE_FAILED', `${url} ${what} before anything leaked: check the URL takes a bearer token of audience ${o.audience}`);
      }
      return { url, instanceId: answer.instanceId };
    }),
  );
}

/**
 * Makes one action through the operator API. One behind the two-person rule is approved by the
 * drill's own operator when the policy allows drill self-approval, else it waits for a second
 * security-admin (polling the approval) until `approvalTimeoutMs`.
 */
async function perform(
  action: DrillAction,
  env: { authority: DrillAuthority; clock: DrillClock; policy: DrillPolicy; justification: string; approvalTimeoutMs: number; progress: (line: string) => void },
): Promise<DrillApproval | undefined> {
  const { authority, clock, policy, justification, progress } = env;
  const requestedAt = clock.now();
  const outcome = await authority.act(action, justification);
  if (outcome.state === 'done') return undefined;
  const id = outcome.approvalId;
  let state = await authority.approval(id);
  let selfApproved = false;
  if (policy.allowSelfApproval) {
    try {
      state = await authority.approve(id, `${justification} (drill self-approval, policy drills.allowSelfApproval)`);
      selfApproved = true;
      progress(`approval ${id}: self-approved for the drill (audited as such)`);
    } catch (error) {
      progress(`approval ${id}: self-approval refused (${messageOf(error)}); waiting for a second security-admin`);
    }
  } else {
    progress(`approval ${id}: waiting for a second security-admin (revmesh approvals approve ${id} -j "…")`);
  }
  const giveUpAt = requestedAt + env.approvalTimeoutMs;
  while (state.state === 'pending' || state.state === 'executing') {
    if (clock.now() >= giveUpAt) break;
    await clock.sleep(500);
    state = await authority.approval(id);
  }
  if (state.state !== 'executed') throw new DrillApprovalNotGivenError(id, state.state === 'failed' ? `failed (${state.error ?? 'no reason given'})` : state.state);
  return { id, action: describe(action), waitedMs: clock.now() - requestedAt, decidedBy: state.decidedBy, selfApproved };
}

/**
 * Reads the incident's timeline until every expected instance acknowledged the response and every
 * expected alert fired, or the deadline.
 */
async function watchAcknowledgements(
  authority: DrillAuthority,
  incidentId: string,
  expected: readonly string[],
  o: { clock: DrillClock; deadline: number; pollMs: number; alerts: readonly string[] },
): Promise<DrillTimeline> {
  for (;;) {
    const timeline = await authority.timeline(incidentId);
    const delays = acknowledgementDelays(timeline, expected);
    const acked = timeline.actions.length > 0 && expected.every((id) => delays.get(id) !== null);
    const alerted = o.alerts.every((kind) => timeline.alerts.some((a) => a.kind === kind));
    if ((acked && alerted) || o.clock.now() >= o.deadline) return timeline;
    await o.clock.sleep(o.pollMs);
  }
}

