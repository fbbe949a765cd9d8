import { ApiProblemError, CoverageUnsupportedError } from '../errors';
import { asCoverage, asRevocation, type Coverage } from '../http/api-types';
import type { AuthorityApi } from '../http/authority-api';
import { coverageSummary } from '../output/revocation-view';
import { clean } from '../output/text';

/** How to wait. Times in milliseconds; the clock and sleep are injected so tests do not wait. */
export interface CoverageWaitOptions {
  readonly api: AuthorityApi;
  readonly revocationId: string;
  readonly timeoutMs: number;
  readonly pollIntervalMs: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Called with a short state description after every poll that is not the last. */
  readonly onProgress: (text: string) => void;
}

/** How a wait ended, with the last coverage seen (undefined if never any). */
export interface CoverageWaitResult {
  readonly outcome: 'complete' | 'timeout';
  readonly coverage: Coverage | undefined;
  /** The last coverage body as the authority sent it, for `--json`. */
  readonly coverageBody: unknown;
  readonly elapsedMs: number;
}

/** Pending instances named in the progress line; more would not fit on one. */
const PENDING_SHOWN = 3;

function progressText(coverage: Coverage): string {
  if (coverage.publishedAt === null && coverage.applied.length === 0) return 'waiting for the authority to publish the revocation';
  const ids = coverage.pending.slice(0, PENDING_SHOWN).map((e) => clean(e.instanceId));
  const more = coverage.pending.length > PENDING_SHOWN ? ` and ${coverage.pending.length - PENDING_SHOWN} more` : '';
  return `coverage: ${coverageSummary(coverage)}${ids.length > 0 ? `; waiting for ${ids.join(', ')}${more}` : ''}`;
}

/**
 * Polls the revocation's coverage until the authority reports it complete or the timeout
 * passes. A 404 on coverage is read with the revocation: not yet published means keep waiting;
 * published means this authority does not serve coverage, which no amount of waiting fixes.
 *
 * @throws {CoverageUnsupportedError} when the authority has no coverage endpoint.
 * @throws {ApiProblemError} (404 → exit 5) when the revocation itself is unknown, and any request failure.
 */
export async function waitForCoverage(options: CoverageWaitOptions): Promise<CoverageWaitResult> {
  const { api, revocationId, now } = options;
  const started = now();
  const deadline = started + options.timeoutMs;
  let coverage: Coverage | undefined;
  let coverageBody: unknown;
  for (;;) {
    try {
      const response = await api.getCoverage(revocationId);
      coverage = asCoverage(response.body, response.url);
      coverageBody = response.body;
      if (coverage.complete) return { outcome: 'complete', coverage, coverageBody, elapsedMs: now() - started };
      options.onProgress(progressText(coverage));
    } catch (error) {
      if (!(error instanceof ApiProblemError && error.problem.status === 404)) throw error;
      const response = await api.getRevocation(revocationId);
      if (asRevocation(response.body, response.url).published === true) {
        throw new CoverageUnsupportedError(
          `${error.url} answered 404 for a published revocation: this authority does not report coverage; drop --wait and check with revmesh revocation status ${revocationId}`,
        );
      }
      options.onProgress('waiting for the authority to publish the revocation');
    }
    const remaining = deadline - now();
    if (remaining <= 0) return { outcome: 'timeout', coverage, coverageBody, elapsedMs: now() - started };
    await options.sleep(Math.min(options.pollIntervalMs, remaining));
  }
}
