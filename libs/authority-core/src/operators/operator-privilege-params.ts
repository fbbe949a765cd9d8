import { z } from 'zod';
import { USERNAME_PATTERN } from './operator';
import { ROLES } from './roles';

// Params of the approvable privilege changes. Validated again when the action runs: a pending
// request's params come back from the database.
const username = z.string().regex(USERNAME_PATTERN);

/** `operators.add-security-admin`: the new security-admin's username (no password: they enrol). */
export const addSecurityAdminParamsSchema = z.strictObject({ username });
/** `operators.raise-role`: the operator and the higher role. */
export const raiseRoleParamsSchema = z.strictObject({ username, role: z.enum(ROLES) });
/** `operators.enable` / `operators.reset-second-factor`: the operator. */
export const operatorParamsSchema = z.strictObject({ username });
