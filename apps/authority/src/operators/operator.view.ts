import type { CreatedOperator, Operator, OperatorLogin } from '@revmesh/authority-core';

const iso = (ms: number): string => new Date(ms).toISOString();

export interface OperatorView {
  readonly username: string;
  readonly role: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly disabledAt: string | null;
}

export function operatorView(operator: Operator): OperatorView {
  return {
    username: operator.username,
    role: operator.role,
    createdAt: iso(operator.createdAt),
    createdBy: operator.createdBy,
    disabledAt: operator.disabledAt === null ? null : iso(operator.disabledAt),
  };
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
