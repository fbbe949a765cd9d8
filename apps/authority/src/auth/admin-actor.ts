import type { Actor } from '@revmesh/contracts';

/** Until operator accounts exist, every admin action is attributed to the shared admin key. */
export const ADMIN_KEY_ACTOR: Actor = { kind: 'admin-key', id: 'admin' };
