import type { Role } from './roles';

/** Usernames: letters, digits, `.`, `_`, `-`, starting with a letter or digit; compared case-insensitively. */
export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Password length bounds, characters. The upper bound keeps hashing cost bounded. */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;
/** `aud` of operator tokens: never accepted where access tokens are, and vice versa. */
export const OPERATOR_TOKEN_AUDIENCE = 'revmesh-operator';

/** An operator account as shown (no password hash, no TOTP secret). Times are epoch ms. */
export interface Operator {
  readonly id: string;
  readonly username: string;
  readonly role: Role;
  readonly createdAt: number;
  /** Who created it: the creating operator's username, or `bootstrap`. */
  readonly createdBy: string;
  readonly disabledAt: number | null;
  /**
   * When the operator set their own password and TOTP (epoch ms); null while they have not:
   * a new operator, or one whose second factor was reset. Such an operator cannot log in.
   */
  readonly enrolledAt: number | null;
}

/**
 * A one-time enrolment code: whoever holds it sets the operator's password and TOTP, once,
 * before `expiresAt`. Shown once; only its SHA-256 is stored.
 */
export interface EnrolmentCode {
  readonly code: string;
  /** Epoch ms. */
  readonly expiresAt: number;
}

/** A new operator who still has to enrol, and their enrolment code (absent when none was issued yet). */
export interface InvitedOperator {
  readonly operator: Operator;
  readonly enrolment: EnrolmentCode | null;
}

/** What starting an enrolment shows the person enrolling: who they become and the TOTP secret to store. */
export interface EnrolmentOffer {
  readonly username: string;
  readonly role: Role;
  readonly totp: TotpEnrolment;
  /** When the enrolment code expires (epoch ms): confirm before. */
  readonly expiresAt: number;
}

/** The TOTP enrolment of a new operator, shown once (an authenticator app imports the URI). */
export interface TotpEnrolment {
  /** Base32 secret. */
  readonly secret: string;
  /** `otpauth://totp/...` URI (for a QR code). */
  readonly otpauthUri: string;
}

/** A new operator and its TOTP enrolment. */
export interface CreatedOperator {
  readonly operator: Operator;
  readonly totp: TotpEnrolment;
}

/** What a login or step-up returns. */
export interface OperatorLogin {
  /** Bearer operator token (JWT, audience {@link OPERATOR_TOKEN_AUDIENCE}). */
  readonly token: string;
  /** Seconds until the token (and its session) expires. */
  readonly expiresIn: number;
  /** When the second factor was presented, epoch ms (the token's `auth_time`, in ms). */
  readonly authTime: number;
  readonly operator: { readonly username: string; readonly role: Role };
}

/** A verified operator token whose session is open and whose operator is enabled. */
export interface AuthenticatedOperator {
  readonly operatorId: string;
  readonly username: string;
  readonly role: Role;
  readonly sessionId: string;
  /** `auth_time`, epoch ms. */
  readonly authTime: number;
  /** When the session (and every token of it) expires, epoch ms. */
  readonly sessionExpiresAt: number;
}

/** @throws {TypeError} for a username outside {@link USERNAME_PATTERN}. */
export function checkUsername(username: string): void {
  if (!USERNAME_PATTERN.test(username)) {
    throw new TypeError(`a username must match ${USERNAME_PATTERN}`);
  }
}

/** @throws {TypeError} for a password outside {@link PASSWORD_MIN_LENGTH}..{@link PASSWORD_MAX_LENGTH}. */
export function checkPassword(password: string): void {
  if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
    throw new TypeError(`a password must be ${PASSWORD_MIN_LENGTH}..${PASSWORD_MAX_LENGTH} characters`);
  }
}
