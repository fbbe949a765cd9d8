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
    return `log in first: revmesh${this.profile === 'default' ? '' : ` --profile ${this.profile}`} [--authority <url>] login --admin-key-stdin < key-file`;
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
    return `log in to ${this.requested} (revmesh --authority ${this.requested} login --admin-key-stdin), or choose another --profile`;
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
  constructor(
    readonly problem: Problem,
    readonly url: string,
  ) {
    super(problem.detail ?? `${problem.status} from ${url}`);
    this.title = problem.title;
    this.exitCode = exitCodeOfStatus(problem.status);
  }
  override get shownCode(): string {
    return this.problem.code;
  }
  override get httpStatus(): number {
    return this.problem.status;
  }
  override get fieldErrors(): readonly FieldError[] {
    return this.problem.errors ?? [];
  }
  override get hint(): string | undefined {
    if (this.problem.status === 401) return 'the authority refused the stored credential: log in again (revmesh login --admin-key-stdin)';
    return undefined;
  }
}
