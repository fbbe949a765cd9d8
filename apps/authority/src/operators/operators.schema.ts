import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, ROLES, USERNAME_PATTERN } from '@revmesh/authority-core';
import { z } from 'zod';

const username = z.string().regex(USERNAME_PATTERN, "must be 1..64 letters, digits, '.', '_' or '-', starting with a letter or digit");
const password = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters`);
/** Loose on purpose: a login with a malformed field fails like any other (no hint about the rules). */
const loginField = (max: number) => z.string().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

/** With a password: the first security-admin, enrolled at once. Without: an enrolment code for one of the initial admins. */
export const bootstrapSchema = z.strictObject({ username, password: password.optional() });
export type BootstrapBody = z.infer<typeof bootstrapSchema>;

export const loginSchema = z.strictObject({ username: loginField(256), password: loginField(1024), totp: loginField(16) });
export type LoginBody = z.infer<typeof loginSchema>;

export const stepUpSchema = z.strictObject({ totp: loginField(16) });
export type StepUpBody = z.infer<typeof stepUpSchema>;

/** `justification` was taken out by the guard. No password: the new operator sets their own when enrolling. */
export const addOperatorSchema = z.strictObject({ username, role: z.enum(ROLES) });
export type AddOperatorBody = z.infer<typeof addOperatorSchema>;

export const setRoleSchema = z.strictObject({ role: z.enum(ROLES) });
export type SetRoleBody = z.infer<typeof setRoleSchema>;

export const enrolStartSchema = z.strictObject({ code: loginField(128) });
export type EnrolStartBody = z.infer<typeof enrolStartSchema>;

/** The person's own password (the rules are shown: they are choosing it) and a code of the offered TOTP secret. */
export const enrolSchema = z.strictObject({ code: loginField(128), password, totp: loginField(16) });
export type EnrolBody = z.infer<typeof enrolSchema>;

/** Nothing left once the guard took the justification. */
export const emptySchema = z.strictObject({});
