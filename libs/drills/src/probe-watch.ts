import type { DrillClock, InstanceProber } from './drill-ports';

/** What watching one URL after the response showed. Times are the drill's clock, epoch ms. */
export interface ProbeWatch {
  readonly url: string;
  readonly instanceId: string | null;
  readonly firstRejectionAt: number | null;
  readonly rejectionCode: string | null;
  readonly acceptedAfterResponse: number;
  readonly acceptedAfterDeadline: number;
  readonly unreachable: number;
}

export interface ProbeWatchOptions {
  readonly prober: InstanceProber;
  readonly clock: DrillClock;
  /** When the response was accepted: requests accepted from then on count. */
  readonly from: number;
  /** The objective's deadline; the watch of a URL that still accepts goes on until `until`. */
  readonly deadline: number;
  /** When to stop watching a URL that has not refused the credential. */
  readonly until: number;
  readonly intervalMs: number;
}

/**
 * Sends the leaked token to every URL, each in its own loop, until the URL refuses it or `until`
 * passes: the first refusal's time and code, and how many requests were still accepted after the
 * response (and after the deadline). A URL that does not answer is counted, not fatal.
 */
export async function watchProbes(targets: readonly { readonly url: string; readonly instanceId: string | null }[], token: string, options: ProbeWatchOptions): Promise<ProbeWatch[]> {
  const { prober, clock, from, deadline, until, intervalMs } = options;
  return Promise.all(
    targets.map(async (target): Promise<ProbeWatch> => {
      let acceptedAfterResponse = 0;
      let acceptedAfterDeadline = 0;
      let unreachable = 0;
      for (;;) {
        const answer = await prober.probe(target.url, token);
        const at = clock.now();
        if (answer.outcome === 'rejected') {
          return { ...target, firstRejectionAt: at, rejectionCode: answer.code, acceptedAfterResponse, acceptedAfterDeadline, unreachable };
        }
        if (answer.outcome === 'accepted' && at >= from) {
          acceptedAfterResponse += 1;
          if (at > deadline) acceptedAfterDeadline += 1;
        }
        if (answer.outcome === 'unreachable') unreachable += 1;
        if (at >= until) return { ...target, firstRejectionAt: null, rejectionCode: null, acceptedAfterResponse, acceptedAfterDeadline, unreachable };
        await clock.sleep(intervalMs);
      }
    }),
  );
}
