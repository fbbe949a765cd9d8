/** Stable codes of every failure a drill can end with (besides a failed verdict, which is a result). */
export type DrillErrorCode =
  | 'DRILL_OPTIONS_INVALID'
  | 'DRILL_AUTHORITY_REFUSED'
  | 'DRILL_AUTHORITY_ANSWER'
  | 'DRILL_BASELINE_FAILED'
  | 'DRILL_APPROVAL_NOT_GIVEN'
  | 'DRILL_INTERRUPTED';

/** Base class of the drill library's errors: `code` is stable, `message` says what to do. */
export class DrillError extends Error {
  constructor(
    readonly code: DrillErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DrillError';
  }
}

/** The authority answered a drill's request with an error status. */
export class DrillAuthorityRefusedError extends DrillError {
  constructor(
    readonly what: string,
    readonly status: number,
    readonly problemCode: string | undefined,
    detail: string,
  ) {
    super('DRILL_AUTHORITY_REFUSED', `${what}: the authority answered ${status}${problemCode === undefined ? '' : ` ${problemCode}`}${detail === '' ? '' : `: ${detail}`}`);
  }
}

/** A containing action waited for a second security-admin and was denied, expired, failed or not decided in time. */
export class DrillApprovalNotGivenError extends DrillError {
  constructor(
    readonly approvalId: string,
    readonly state: string,
  ) {
    super(
      'DRILL_APPROVAL_NOT_GIVEN',
      state === 'pending'
        ? `approval ${approvalId} was not decided in time (a second security-admin approves it with: revmesh approvals approve ${approvalId}; or allow drill self-approval with the policy's drills.allowSelfApproval)`
        : `approval ${approvalId} ended ${state}: the drill's response did not run`,
    );
  }
}
