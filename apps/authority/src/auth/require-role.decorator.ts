import { SetMetadata } from '@nestjs/common';
import type { Role } from '@revmesh/authority-core';

export const REQUIRED_ROLE = 'revmesh:required-role';

/**
 * The weakest role a route accepts. Without it the guard fails closed: reads (GET/HEAD) need
 * `viewer`, everything else `security-admin`. Writes (any other method) also need a fresh
 * second factor and a justification.
 */
export const RequireRole = (role: Role): MethodDecorator & ClassDecorator => SetMetadata(REQUIRED_ROLE, role);
