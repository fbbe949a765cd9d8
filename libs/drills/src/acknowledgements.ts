import type { DrillTimeline } from './drill-ports';

/**
 * Per instance, the time from the authority accepting each containing action to that instance
 * applying it, the longest over the actions (authority and sidecar times, ms); null when the
 * instance has not applied every one of them, or nothing containing is linked yet.
 */
export function acknowledgementDelays(timeline: DrillTimeline, instanceIds: readonly string[]): Map<string, number | null> {
  const actions = timeline.actions.filter((a) => a.acceptedAt !== null);
  const delays = new Map<string, number | null>();
  for (const instanceId of instanceIds) {
    let longest: number | null = actions.length === 0 ? null : 0;
    for (const action of actions) {
      const applied = timeline.applied.filter((a) => a.actionId === action.id && a.instanceId === instanceId).map((a) => a.at);
      if (applied.length === 0 || longest === null) {
        longest = null;
        break;
      }
      longest = Math.max(longest, Math.max(0, Math.min(...applied) - (action.acceptedAt ?? 0)));
    }
    delays.set(instanceId, longest);
  }
  return delays;
}

/** When the authority accepted the first containing action (its clock), if any. */
export function responseAcceptedAt(timeline: DrillTimeline): number | null {
  const times = timeline.actions.map((a) => a.acceptedAt).filter((t): t is number => t !== null);
  return times.length === 0 ? null : Math.min(...times);
}
