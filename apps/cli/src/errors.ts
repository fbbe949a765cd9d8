import { EXIT_CODES, type ExitCode } from './exit-codes';

/**
 * Stable codes of the failures `revmesh` explains itself. Problems answered by the authority
 * keep the authority's own code ({@link ApiProblemError.problem}); these are the CLI's.
 */
export type CliErrorCode =
  | 'USAGE'
  | 'CONFIG_INVALID'
  | 'NOT_LOGGED_IN'
  | 'CREDENTIALS_INSECURE'
  | 'CREDENTIALS_INVALID'
  | 'CREDENTIAL_AUTHORITY_MISMATCH'
  | 'AUTHORITY_UNREACHABLE'
  | 'REQUEST_TIMEOUT'
  | 'WAIT_TIMEOUT'
  | 'UNEXPECTED_RESPONSE'
  | 'COVERAGE_UNSUPPORTED'
  | 'LOGIN_REFUSED'
  | 'SESSION_EXPIRED'
  | 'STEP_UP_NEEDED'
  | 'APPROVAL_DENIED'
  | 'APPROVAL_EXPIRED'
  | 'APPROVAL_FAILED'
  | 'AUDIT_CHAIN_BROKEN'
  | 'DRILL_ABORTED'
  | 'API_PROBLEM';

/** One invalid field named by a problem response. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** An RFC 9457 problem as the authority sends it (extra members are kept, not interpreted). */
export interface Problem {
  readonly type?: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly code: string;
  readonly instance?: string;
  readonly errors?: readonly FieldError[];
}

/**
 * Base of every failure the CLI reports on purpose. The error line is built from `title`,
 * `detail` and {@link CliError.shownCode}; the process exits with `exitCode`. Anything thrown
 * that is not a `CliError` is a bug and is reported as such.
 */
export abstract class CliError extends Error {
  abstract readonly code: CliErrorCode;
  abstract readonly exitCode: ExitCode;
  abstract readonly title: string;

  constructor(
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(detail, options);
  }

  /** The code printed in `(code X)`: the authority's for its problems, the CLI's otherwise. */
  get shownCode(): string {
    return this.code;
  }

  /** HTTP status of the authority's answer, for failures that are one. */
  get httpStatus(): number | undefined {
    return undefined;
  }

  /** The `X-Request-Id` the authority handled (and audited) the failed request under, when there was one. */
  get requestId(): string | undefined {
    return undefined;
  }

  /** Field errors to list under the error line. */
  get fieldErrors(): readonly FieldError[] {
    return [];
  }

  /** A second line telling the user what to do, when there is something better than the detail. */
  get hint(): string | undefined {
    return undefined;
  }
}

/** The command line is wrong (also what commander's parse errors become). */
export class UsageError extends CliError {
  override readonly name = 'UsageError';
  readonly code = 'USAGE' as const;
  readonly exitCode = EXIT_CODES.USAGE;
  readonly title = 'usage error';
}

/** The profile file or a setting (flag, env) has an invalid value. */
export class ConfigError extends CliError {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID' as const;
  readonly exitCode = EXIT_CODES.USAGE;
  readonly title = 'invalid configuration';
}

/** The profile holds no credential. */
export class NotLoggedInError extends CliError {
  override readonly name = 'NotLoggedInError';
  readonly code = 'NOT_LOGGED_IN' as const;
  readonly exitCode = EXIT_CODES.AUTH;
  readonly title = 'not logged in';
  constructor(readonly profile: string) {
    super(`profile "${profile}" has no stored credential`);
  }
  override get hint(): string {
    return `log in first: revmesh${this.profile === 'default' ? '' : ` --profile ${this.profile}`} [--authority <url>] login --username <name>`;
  }
}

/** The credentials file could be read by someone else: refused rather than trusted. */
export class CredentialsInsecureError extends CliError {
  override readonly name = 'CredentialsInsecureError';
  readonly code = 'CREDENTIALS_INSECURE' as const;
  readonly exitCode = EXIT_CODES.AUTH;
  readonly title = 'credentials file is not private';
  constructor(
    readonly path: string,
    detail: string,
    private readonly fix: string,
  ) {
    super(detail);
  }
  override get hint(): string {
    return this.fix;
  }
}

/** The credentials file exists but cannot be used (not JSON, unknown layout). */
export class CredentialsInvalidError extends CliError {
  override readonly name = 'CredentialsInvalidError';
  readonly code = 'CREDENTIALS_INVALID' as const;
  readonly exitCode = EXIT_CODES.AUTH;
  readonly title = 'credentials file is unusable';
}

/**
 * The profile's credential was stored for another authority URL. Refused so that `--authority`
 * (or an env var) pointing elsewhere never sends a key to a server it was not meant for.
 */
export class CredentialAuthorityMismatchError extends CliError {
  override readonly name = 'CredentialAuthorityMismatchError';
  readonly code = 'CREDENTIAL_AUTHORITY_MISMATCH' as const;
  readonly exitCode = EXIT_CODES.AUTH;
  readonly title = 'credential is for another authority';
  constructor(
    readonly profile: string,
    readonly storedFor: string,
    readonly requested: string,
  ) {
    super(`profile "${profile}" holds a credential for ${storedFor}, not ${requested}`);
  }
  override get hint(): string {
    return `log in to ${this.requested} (revmesh --authority ${this.requested} login), or choose another --profile`;
  }
}

/** No HTTP answer at all: connection refused, DNS, TLS, reset. */
export class AuthorityUnreachableError extends CliError {
  override readonly name = 'AuthorityUnreachableError';
  readonly code = 'AUTHORITY_UNREACHABLE' as const;
  readonly exitCode = EXIT_CODES.UNREACHABLE;
  readonly title = 'cannot reach the authority';
  constructor(
    readonly url: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${url}: ${reason}`, options);
  }
}

/** One request got no answer within `--timeout`. */
export class RequestTimeoutError extends CliError {
  override readonly name = 'RequestTimeoutError';
  readonly code = 'REQUEST_TIMEOUT' as const;
  readonly exitCode = EXIT_CODES.TIMEOUT;
  readonly title = 'request timed out';
  constructor(
    readonly url: string,
    readonly timeoutMs: number,
  ) {
    super(`${url} did not answer within ${timeoutMs} ms (raise it with --timeout <ms>)`);
  }
}

/** A `--wait` ended before the condition it waited for. */
export class WaitTimeoutError extends CliError {
  override readonly name = 'WaitTimeoutError';
  readonly code = 'WAIT_TIMEOUT' as const;
  readonly exitCode = EXIT_CODES.TIMEOUT;
  readonly title = 'timed out waiting';
}

/** The authority answered, but not with something this CLI understands. */
export class UnexpectedResponseError extends CliError {
  override readonly name = 'UnexpectedResponseError';
  readonly code = 'UNEXPECTED_RESPONSE' as const;
  readonly exitCode = EXIT_CODES.ERROR;
  readonly title = 'unexpected answer from the authority';
}

/** `--wait` needs the coverage endpoint, which this authority does not serve. */
export class CoverageUnsupportedError extends CliError {
  override readonly name = 'CoverageUnsupportedError';
  readonly code = 'COVERAGE_UNSUPPORTED' as const;
  readonly exitCode = EXIT_CODES.ERROR;
  readonly title = 'coverage is not available';
}

/** The authority did not accept the credential offered at login; nothing was stored. */
export class LoginRefusedError extends CliError {
  override readonly name = 'LoginRefusedError';
  readonly code = 'LOGIN_REFUSED' as const;
  readonly exitCode = EXIT_CODES.AUTH;
  readonly title = 'login refused';
}

/** Maps the status of a problem answer to the exit code scripts switch on. */
function exitCodeOfStatus(status: number): ExitCode {
  if (status === 401 || status === 403) return EXIT_CODES.AUTH;
  if (status === 404) return EXIT_CODES.NOT_FOUND;
  return EXIT_CODES.ERROR;
}

/** The authority answered with `application/problem+json`. */
export class ApiProblemError extends CliError {
  override readonly name = 'ApiProblemError';
  readonly code = 'API_PROBLEM' as const;
  readonly exitCode: ExitCode;
  readonly title: string;
  /** Seconds from a `Retry-After` header (429 LOGIN_THROTTLED), when the authority sent one. */
  readonly retryAfterSeconds: number | undefined;
  private readonly answeredRequestId: string | undefined;

  constructor(
    readonly problem: Problem,
    readonly url: string,
    /** What else the answer said: `Retry-After`, and the request id the authority recorded it under. */
    answer: { readonly retryAfterSeconds?: number | undefined; readonly requestId?: string | undefined } = {},
  ) {
    super(problem.detail ?? `${problem.status} from ${url}`);
    this.retryAfterSeconds = answer.retryAfterSeconds;
    this.answeredRequestId = answer.requestId;
    this.title = problem.title;
    // A throttled login is a refused login to a script: same code as a wrong password.
    this.exitCode = problem.code === 'LOGIN_THROTTLED' ? EXIT_CODES.AUTH : exitCodeOfStatus(problem.status);
  }
  override get shownCode(): string {
    return this.problem.code;
  }
  override get httpStatus(): number {
    return this.problem.status;
  }
  override get requestId(): string | undefined {
    return this.answeredRequestId;
  }
  override get fieldErrors(): readonly FieldError[] {
    return this.problem.errors ?? [];
  }
  override get hint(): string | undefined {
    switch (this.problem.code) {
      case 'SELF_APPROVAL':
        return 'another security-admin must approve it (two-person rule)';
      case 'JUSTIFICATION_REQUIRED':
        return 'say why with -j/--justification "<text>" (or REVMESH_JUSTIFICATION); it is recorded in the audit log';
      case 'LOGIN_THROTTLED':
        return this.retryAfterSeconds === undefined ? 'too many failed logins: wait before trying again' : `too many failed logins: try again in ${this.retryAfterSeconds} s`;
      case 'FORBIDDEN':
        return 'your role does not allow this; check it with revmesh whoami';
      case 'BOOTSTRAP_DONE':
        return 'a security-admin exists already: log in (revmesh login) and use revmesh operators add';
    }
    if (this.problem.status === 401) return 'the authority refused the stored session: log in again (revmesh login)';
    return undefined;
  }
}

/** The stored operator session ended (its expiry passed); nothing was sent. */
export class SessionExpiredError extends CliError {
  override readonly name = 'SessionExpiredError';
  readonly code = 'SESSION_EXPIRED' as const;
  readonly exitCode = EXIT_CODES.AUTH;
  readonly title = 'session expired';
  constructor(
    readonly profile: string,
    expiredAt: string,
  ) {
    super(`the operator session of profile "${profile}" expired at ${expiredAt}`);
  }
  override get hint(): string {
    return `log in again: revmesh${this.profile === 'default' ? '' : ` --profile ${this.profile}`} login`;
  }
}

/** A write needs a fresh second factor and there is no way to ask for one (no terminal, no --totp). */
export class StepUpNeededError extends CliError {
  override readonly name = 'StepUpNeededError';
  readonly code = 'STEP_UP_NEEDED' as const;
  readonly exitCode = EXIT_CODES.STEP_UP;
  readonly title = 'fresh second factor needed';
  override get hint(): string {
    return 'pass the current code from your authenticator with --totp <code> (or REVMESH_TOTP), or run the command at a terminal to be asked';
  }
}

/** An approval ended without the action being carried out. */
export class ApprovalNotGrantedError extends CliError {
  override readonly name = 'ApprovalNotGrantedError';
  readonly code: 'APPROVAL_DENIED' | 'APPROVAL_EXPIRED';
  readonly exitCode = EXIT_CODES.NOT_APPROVED;
  readonly title: string;
  constructor(state: 'denied' | 'expired', detail: string) {
    super(detail);
    this.code = state === 'denied' ? 'APPROVAL_DENIED' : 'APPROVAL_EXPIRED';
    this.title = state === 'denied' ? 'approval denied' : 'approval expired';
  }
}

/** The approval was granted but the action failed when it executed. */
export class ApprovalFailedError extends CliError {
  override readonly name = 'ApprovalFailedError';
  readonly code = 'APPROVAL_FAILED' as const;
  readonly exitCode = EXIT_CODES.ERROR;
  readonly title = 'approved action failed';
}

/** `audit verify` found an entry that was edited, deleted or reordered. */
export class AuditChainBrokenError extends CliError {
  override readonly name = 'AuditChainBrokenError';
  readonly code = 'AUDIT_CHAIN_BROKEN' as const;
  readonly exitCode = EXIT_CODES.AUDIT_INVALID;
  readonly title = 'audit chain broken';
}

/** A breach drill could not be carried out (its own failure, not a failed verdict); cleanup ran. */
export class DrillAbortedError extends CliError {
  override readonly name = 'DrillAbortedError';
  readonly code = 'DRILL_ABORTED' as const;
  readonly exitCode: ExitCode;
  readonly title = 'drill aborted';

  constructor(detail: string, notApproved: boolean, options?: { cause?: unknown }) {
    super(detail, options);
    this.exitCode = notApproved ? EXIT_CODES.NOT_APPROVED : EXIT_CODES.ERROR;
  }
}
