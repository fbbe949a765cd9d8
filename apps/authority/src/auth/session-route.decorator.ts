import { SetMetadata } from '@nestjs/common';

export const IS_SESSION_ROUTE = 'revmesh:session-route';

/**
 * Marks a route that acts on the caller's own session (step-up, logout): it needs a valid
 * operator token but, although it is a POST, neither a fresh second factor nor a justification
 * (step-up is how a stale second factor gets fresh).
 */
export const SessionRoute = (): MethodDecorator & ClassDecorator => SetMetadata(IS_SESSION_ROUTE, true);
