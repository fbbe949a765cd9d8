import { Option, type Command } from 'commander';
import type { OperatorCredential } from '../auth/credential';
import { sessionFromLogin } from '../auth/operator-session';
import { parseSeconds } from '../commands/command-kit';
import { resolveTotp, totpMissingForStepUp, TOTP_ENV } from '../auth/totp-input';
import type { CommandContext } from '../context';
import { ApiProblemError, ApprovalFailedError, ApprovalNotGrantedError, LoginRefusedError, UsageError, WaitTimeoutError } from '../errors';
import { EXIT_CODES } from '../exit-codes';
import { pendingApprovalIn, type ApprovalView } from '../http/api-types';
import type { AuthorityApi } from '../http/authority-api';
import type { AuthorityResponse } from '../http/authority-client';
import { deciderOf, renderApproval, renderPending } from '../output/approval-view';
import { createProgress } from '../output/progress';
import { clean, formatDuration } from '../output/text';
import { waitForApproval } from '../wait/approval-wait';

/** Environment variable a justification may come from (a flag beats it). */
export const JUSTIFICATION_ENV = 'REVMESH_JUSTIFICATION';
/** `--wait` on a pending approval gives up after this long unless `--wait-timeout` says otherwise, seconds. */
export const DEFAULT_APPROVAL_WAIT_SECONDS = 600;
/** Approvals are decided by people: polling more often than this only loads the authority, ms. */
const APPROVAL_POLL_INTERVAL_MS = 2000;

/** The options every write command has. */
export interface WriteOptions {
  readonly justification?: string;
  readonly totp?: string;
  readonly wait?: boolean;
  readonly waitTimeout?: number;
}

/**
 * Adds `-j/--justification` and `--totp` to a write command; with `wait`, also `--wait` and
 * `--wait-timeout` (for an action the policy may put behind an approval).
 */
export function withWriteOptions(command: Command, options: { readonly wait?: boolean } = {}): Command {
  command
    .option('-j, --justification <text>', `why you do this, recorded in the audit log (env ${JUSTIFICATION_ENV}; required)`)
    .option('--totp <code>', `current TOTP code, used if the authority asks for a fresh second factor (env ${TOTP_ENV}; at a terminal you are asked)`);
  if (options.wait === true) {
    command
      .option('--wait', 'if the action needs a second security-admin\'s approval, wait for the decision (progress on stderr)')
      .addOption(
        new Option('--wait-timeout <seconds>', `give up waiting after this long (exit 3); default ${DEFAULT_APPROVAL_WAIT_SECONDS} for an approval`).argParser(
          parseSeconds,
        ),
      );
  }
  return command;
}

/**
 * The justification: `-j`, else `REVMESH_JUSTIFICATION`. Checked before any request, so a
 * forgotten one costs nothing. The minimum length is the authority's policy, checked there.
 *
 * @throws {UsageError} when there is none or it is blank.
 */
export function justificationOf(context: CommandContext, options: WriteOptions): string {
  if (options.waitTimeout !== undefined && options.wait !== true) throw new UsageError('--wait-timeout only applies with --wait');
  const raw = options.justification ?? context.io.env[JUSTIFICATION_ENV];
  const justification = raw?.trim() ?? '';
  if (justification === '') {
    throw new UsageError(
      `a justification is required: pass -j "<why>" (or set ${JUSTIFICATION_ENV}); it is recorded in the audit log with your name`,
    );
  }
  return justification;
}

/** Renews the session with a fresh TOTP (`POST /v1/login/step-up`) and stores the new token. */
async function stepUp(context: CommandContext, api: AuthorityApi, credential: OperatorCredential, totpFlag: string | undefined): Promise<OperatorCredential> {
  context.output.note('The authority asks for a fresh second factor for this write (step-up).');
  const totp = await resolveTotp(context, totpFlag, 'step-up', totpMissingForStepUp);
  let response: AuthorityResponse;
  try {
    response = await api.stepUp(totp);
  } catch (error) {
    if (error instanceof ApiProblemError && error.problem.status === 401) {
      throw new LoginRefusedError(`step-up refused (${clean(error.problem.code)}: ${clean(error.problem.detail ?? error.problem.title)}); nothing was changed`);
    }
    throw error;
  }
  const renewed = sessionFromLogin(response.body, response.url, credential.authority, context.io.now());
  context.credentials().save(context.settings().profile, renewed);
  return renewed;
}

/**
 * Sends a write with the profile's session. When the authority answers 401 STEP_UP_REQUIRED,
 * gets a TOTP (`--totp`, `REVMESH_TOTP`, or a prompt), steps up, stores the renewed token and
 * sends the write once more.
 */
export async function sendWithStepUp(
  context: CommandContext,
  totpFlag: string | undefined,
  send: (api: AuthorityApi) => Promise<AuthorityResponse>,
): Promise<AuthorityResponse> {
  const credential = context.credential();
  const api = context.apiFor(credential);
  try {
    return await send(api);
  } catch (error) {
    if (!(error instanceof ApiProblemError && error.problem.status === 401 && error.problem.code === 'STEP_UP_REQUIRED')) throw error;
    const renewed = await stepUp(context, api, credential, totpFlag);
    return send(context.apiFor(renewed));
  }
}

/** What a write came to. */
export type WriteResult =
  /** Executed at once: the action endpoint's own answer. */
  | { readonly kind: 'done'; readonly body: unknown; readonly url: string }
  /** Left pending approval (printed, exit code 8 set); the command has nothing more to show. */
  | { readonly kind: 'pending'; readonly approval: ApprovalView }
  /** Pending, then approved and executed while `--wait` waited: `result` is the action's answer. */
  | { readonly kind: 'approved'; readonly approval: ApprovalView; readonly result: unknown };

/**
 * Runs a write end to end: justification (before any request), step-up, and the approval the
 * policy may require. A pending approval is printed with its id and what to run (exit 8), or
 * with `--wait` waited for: executed → `approved`; denied/expired → exit 9; failed → exit 1;
 * still pending at the timeout → exit 3.
 */
export async function performWrite(
  context: CommandContext,
  options: WriteOptions,
  send: (api: AuthorityApi, justification: string) => Promise<AuthorityResponse>,
): Promise<WriteResult> {
  const justification = justificationOf(context, options);
  const response = await sendWithStepUp(context, options.totp, (api) => send(api, justification));
  const pending = pendingApprovalIn(response.status, response.body, response.url);
  if (pending === undefined) return { kind: 'done', body: response.body, url: response.url };
  if (options.wait !== true) {
    context.output.result(response.body, () => renderPending(pending));
    context.output.exitWith(EXIT_CODES.PENDING_APPROVAL);
    return { kind: 'pending', approval: pending };
  }
  return awaitApproval(context, pending.id, options.waitTimeout ?? DEFAULT_APPROVAL_WAIT_SECONDS);
}

/**
 * Waits for approval `id` with a progress line. Returns when it executed; otherwise prints the
 * approval and throws the error its end state maps to.
 */
export async function awaitApproval(context: CommandContext, id: string, timeoutSeconds: number): Promise<Extract<WriteResult, { kind: 'approved' }>> {
  const progress = createProgress(context.io.stderr, context.io.now);
  const timeoutMs = timeoutSeconds * 1000;
  const waited = await waitForApproval({
    api: context.api(),
    approvalId: id,
    timeoutMs,
    pollIntervalMs: context.io.pollIntervalMs ?? APPROVAL_POLL_INTERVAL_MS,
    now: context.io.now,
    sleep: context.io.sleep,
    onProgress: (text) => progress.update(text),
  }).finally(() => progress.done());
  const { approval } = waited;
  if (approval.state === 'executed') return { kind: 'approved', approval, result: approval.result ?? null };
  context.output.result({ approval }, () => renderApproval(approval));
  const label = clean(approval.id);
  if (waited.outcome === 'timeout') {
    throw new WaitTimeoutError(
      `approval ${label} still ${clean(approval.state)} after ${formatDuration(timeoutMs)}; check later with revmesh approvals show ${label}`,
    );
  }
  if (approval.state === 'denied') {
    const why = approval.decisionJustification ? `: ${clean(approval.decisionJustification)}` : '';
    throw new ApprovalNotGrantedError('denied', `approval ${label} was denied by ${deciderOf(approval)}${why}; nothing was executed`);
  }
  if (approval.state === 'expired') throw new ApprovalNotGrantedError('expired', `approval ${label} expired before anyone approved it; nothing was executed`);
  throw new ApprovalFailedError(
    `approval ${label} was approved by ${deciderOf(approval)} but the action failed: ${clean(approval.error ?? 'no reason given')}`,
  );
}

/**
 * Prints a write's result: the action's answer when executed at once; after an approval, the
 * approval and the action's answer (`--json`: `{approval, result}`). Nothing for `pending`.
 */
export function showWrite(context: CommandContext, result: WriteResult, human: (body: unknown) => string): void {
  if (result.kind === 'pending') return;
  if (result.kind === 'done') {
    context.output.result(result.body, () => human(result.body));
    return;
  }
  context.output.result({ approval: result.approval, result: result.result }, () => `${approvedLine(result.approval)}\n${human(result.result)}`);
}

/** `Approved by bob; executed.` */
export function approvedLine(approval: ApprovalView): string {
  return `Approved by ${deciderOf(approval)} (approval ${clean(approval.id)}); executed.`;
}
