import { approvalIn, type ApprovalView } from '../http/api-types';
import type { AuthorityApi } from '../http/authority-api';
import { clean, formatValue } from '../output/text';

/** How to wait for an approval. Times in milliseconds; clock and sleep injected for tests. */
export interface ApprovalWaitOptions {
  readonly api: AuthorityApi;
  readonly approvalId: string;
  readonly timeoutMs: number;
  readonly pollIntervalMs: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly onProgress: (text: string) => void;
}

/** How a wait ended, with the last approval seen. */
export interface ApprovalWaitResult {
  readonly outcome: 'decided' | 'timeout';
  readonly approval: ApprovalView;
}

/** States in which the decision is still to come (`executing`: approved, the action is running). */
const UNDECIDED: ReadonlySet<string> = new Set(['pending', 'executing']);

/**
 * Polls `GET /v1/approvals/:id` until the approval is decided and done (executed, denied,
 * expired, failed) or the timeout passes.
 *
 * @throws {ApiProblemError} (404 → exit 5) for an unknown id, and any request failure.
 */
export async function waitForApproval(options: ApprovalWaitOptions): Promise<ApprovalWaitResult> {
  const { api, approvalId, now } = options;
  const deadline = now() + options.timeoutMs;
  for (;;) {
    const response = await api.getApproval(approvalId);
    const approval = approvalIn(response.body, response.url);
    if (!UNDECIDED.has(approval.state)) return { outcome: 'decided', approval };
    options.onProgress(
      approval.state === 'executing'
        ? `approval ${clean(approval.id)}: approved, the action is running`
        : `approval ${clean(approval.id)}: pending, waiting for a second security-admin (expires at ${formatValue('expiresAt', approval.expiresAt)})`,
    );
    const remaining = deadline - now();
    if (remaining <= 0) return { outcome: 'timeout', approval };
    await options.sleep(Math.min(options.pollIntervalMs, remaining));
  }
}
