/**
 * Every exit status `revmesh` can end with, in one place: scripts switch on these numbers, so
 * they never change meaning. The README and `revmesh --help` print {@link EXIT_CODE_TABLE}.
 */
export const EXIT_CODES = {
  /** The command did what it was asked (a `--wait` reached full coverage). */
  OK: 0,
  /** The authority refused the request (4xx other than 401/403/404, 5xx) or answered something unexpected. */
  ERROR: 1,
  /** The command line or the configuration is wrong: unknown option, missing argument, no authority URL. */
  USAGE: 2,
  /** A wait (`--wait-timeout`) or a request (`--timeout`) ran out of time. */
  TIMEOUT: 3,
  /** Not logged in, credentials unusable, or the authority answered 401/403. */
  AUTH: 4,
  /** The authority answered 404: no such revocation, rotation or key. */
  NOT_FOUND: 5,
  /** The authority could not be reached (refused, DNS, TLS, reset); the message names the URL tried. */
  UNREACHABLE: 6,
} as const;

/** One of the documented exit statuses. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** `[code, meaning]` rows, in code order, for help text and documentation. */
export const EXIT_CODE_TABLE: readonly (readonly [ExitCode, string])[] = [
  [EXIT_CODES.OK, 'success (with --wait: every live instance covered)'],
  [EXIT_CODES.ERROR, 'the authority refused the request or answered unexpectedly'],
  [EXIT_CODES.USAGE, 'usage or configuration error'],
  [EXIT_CODES.TIMEOUT, 'timed out (--wait-timeout or --timeout)'],
  [EXIT_CODES.AUTH, 'not logged in, unusable credentials, or 401/403'],
  [EXIT_CODES.NOT_FOUND, 'not found (404)'],
  [EXIT_CODES.UNREACHABLE, 'cannot reach the authority'],
];
