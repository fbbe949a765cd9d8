/**
 * Every exit status `revmesh` can end with, in one place: scripts switch on these numbers, so
 * they never change meaning. The README and `revmesh --help` print {@link EXIT_CODE_TABLE}.
 */
export const EXIT_CODES = {
  /** The command did what it was asked (a `--wait` reached full coverage, an approval executed). */
  OK: 0,
  /** The authority refused the request (4xx other than 401/403/404, 5xx) or answered something unexpected. */
  ERROR: 1,
  /** The command line or the configuration is wrong: unknown option, missing argument, no authority URL. */
  USAGE: 2,
  /** A wait (`--wait-timeout`) or a request (`--timeout`) ran out of time. */
  TIMEOUT: 3,
  /** Not logged in, session over, credentials unusable, or the authority answered 401/403. */
  AUTH: 4,
  /** The authority answered 404: no such revocation, rotation, key, approval or operator. */
  NOT_FOUND: 5,
  /** The authority could not be reached (refused, DNS, TLS, reset); the message names the URL tried. */
  UNREACHABLE: 6,
  /** A write needs a fresh second factor (401 STEP_UP_REQUIRED) and none could be asked for (no terminal, no --totp). */
  STEP_UP: 7,
  /** Accepted but not done: the action waits for a second security-admin's approval (the id is printed). */
  PENDING_APPROVAL: 8,
  /** The approval was denied or expired: the action was not carried out. */
  NOT_APPROVED: 9,
  /** `audit verify`: the audit chain is broken; the message names the first bad entry. */
  AUDIT_INVALID: 10,
  /** `drill run`: the drill ran and the mesh was NOT contained within the policy's `drills.containWithinSeconds`. */
  DRILL_FAILED: 11,
} as const;

/** One of the documented exit statuses. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** `[code, meaning]` rows, in code order, for help text and documentation. */
export const EXIT_CODE_TABLE: readonly (readonly [ExitCode, string])[] = [
  [EXIT_CODES.OK, 'success (with --wait: every live instance covered / the approval executed)'],
  [EXIT_CODES.ERROR, 'the authority refused the request or answered unexpectedly'],
  [EXIT_CODES.USAGE, 'usage or configuration error'],
  [EXIT_CODES.TIMEOUT, 'timed out (--wait-timeout or --timeout)'],
  [EXIT_CODES.AUTH, 'not logged in, session over, unusable credentials, or 401/403'],
  [EXIT_CODES.NOT_FOUND, 'not found (404)'],
  [EXIT_CODES.UNREACHABLE, 'cannot reach the authority'],
  [EXIT_CODES.STEP_UP, 'a fresh TOTP is needed: pass --totp <code> or set REVMESH_TOTP'],
  [EXIT_CODES.PENDING_APPROVAL, 'pending approval by a second security-admin (nothing executed yet)'],
  [EXIT_CODES.NOT_APPROVED, 'the approval was denied or expired (nothing executed)'],
  [EXIT_CODES.AUDIT_INVALID, 'audit verify: the chain is broken (the first bad entry is named)'],
  [EXIT_CODES.DRILL_FAILED, 'drill run: not contained within the policy\'s drills.containWithinSeconds (the report says what was overlooked)'],
];
