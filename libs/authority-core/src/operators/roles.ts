/**
 * Operator roles, weakest first. Each role can do everything the roles before it can:
 * `viewer` reads, `responder` also revokes tokens/subjects/sessions, `security-admin` also
 * manages keys, clients, the kill switch, approvals, operators and policy.
 */
export const ROLES = ['viewer', 'responder', 'security-admin'] as const;
export type Role = (typeof ROLES)[number];

/** True when `role` may do what `required` may. */
export function roleAtLeast(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
