import type { CreatedOperator, EnrolmentCode, EnrolmentOffer, InvitedOperator, Operator, OperatorLogin } from '@revmesh/authority-core';

const iso = (ms: number): string => new Date(ms).toISOString();

export interface OperatorView {
  readonly username: string;
  readonly role: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly disabledAt: string | null;
  /** When they set their own password and TOTP; null while they have yet to enrol. */
  readonly enrolledAt: string | null;
}

export function operatorView(operator: Operator): OperatorView {
  return {
    username: operator.username,
    role: operator.role,
    createdAt: iso(operator.createdAt),
    createdBy: operator.createdBy,
    disabledAt: operator.disabledAt === null ? null : iso(operator.disabledAt),
    enrolledAt: operator.enrolledAt === null ? null : iso(operator.enrolledAt),
  };
}

export interface EnrolmentCodeView {
  /** The one-time code, shown this once: hand it to the person, who runs `revmesh enrol`. */
  readonly code: string;
  readonly expiresAt: string;
}

export function enrolmentCodeView(enrolment: EnrolmentCode): EnrolmentCodeView {
  return { code: enrolment.code, expiresAt: iso(enrolment.expiresAt) };
}

/** A new operator who still has to enrol, with their enrolment code (null when none was issued yet). */
export function invitedOperatorView(invited: InvitedOperator): { operator: OperatorView; enrolment: EnrolmentCodeView | null } {
  return { operator: operatorView(invited.operator), enrolment: invited.enrolment === null ? null : enrolmentCodeView(invited.enrolment) };
}

/** What the person enrolling sees: who they become, and the TOTP secret for their authenticator app. */
export function enrolmentOfferView(offer: EnrolmentOffer): {
  username: string;
  role: string;
  totp: { secret: string; otpauthUri: string };
  expiresAt: string;
} {
  return { username: offer.username, role: offer.role, totp: { secret: offer.totp.secret, otpauthUri: offer.totp.otpauthUri }, expiresAt: iso(offer.expiresAt) };
}

/** A new operator and its TOTP enrolment, shown this once. */
export function createdOperatorView(created: CreatedOperator): { operator: OperatorView; totp: { secret: string; otpauthUri: string } } {
  return { operator: operatorView(created.operator), totp: { secret: created.totp.secret, otpauthUri: created.totp.otpauthUri } };
}

export interface LoginView {
  readonly token: string;
  readonly tokenType: 'Bearer';
  /** Seconds. */
  readonly expiresIn: number;
  /** When the second factor was presented (ISO-8601). */
  readonly authTime: string;
  readonly operator: { readonly username: string; readonly role: string };
}

export function loginView(login: OperatorLogin): LoginView {
  return { token: login.token, tokenType: 'Bearer', expiresIn: login.expiresIn, authTime: iso(login.authTime), operator: login.operator };
}
