import { z } from 'zod';
import { REVOCATION_ISSUED, revocationIssuedV1Schema } from './revocation-issued';

/**
 * Every event revmesh publishes, discriminated by `type`; each type pins its `version`.
 * Later issues add key, acknowledgement and heartbeat events here.
 */
export const revmeshEventSchema = z.discriminatedUnion('type', [revocationIssuedV1Schema]);
export type RevmeshEvent = z.infer<typeof revmeshEventSchema>;
export type RevmeshEventType = RevmeshEvent['type'];

/** The versions this build understands, per event type. */
export const SUPPORTED_EVENT_VERSIONS: Readonly<Record<RevmeshEventType, readonly number[]>> = {
  [REVOCATION_ISSUED]: [1],
};
