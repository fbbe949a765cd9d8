import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'revmesh:public';

/**
 * Marks a controller or route as reachable without the admin key. Everything else is guarded
 * (secure by default), so a route someone forgets to mark fails closed, not open.
 */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
