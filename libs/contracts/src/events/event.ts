import { z } from 'zod';
import { REVOCATION_ISSUED, revocationIssuedV1Schema } from './revocation-issued';
import { KEY_STATE_CHANGED, keyStateChangedV1Schema } from './key-state-changed';
import {
  EVENT_SIGNER_ANNOUNCED,
  EVENT_SIGNER_WITHDRAWN,
  eventSignerAnnouncedV1Schema,
  eventSignerWithdrawnV1Schema,
} from './event-signer';
import { AUTHORITY_HEARTBEAT, authorityHeartbeatV1Schema } from './authority-heartbeat';
import { ALERT_RAISED, alertRaisedV1Schema } from './alert-raised';
import { AUDIT_BATCH_RECORDED, AUDIT_RECORDED, auditBatchRecordedV1Schema, auditRecordedV1Schema } from './audit-recorded';
import { KILL_SWITCH_CHANGED, killSwitchChangedV1Schema } from './kill-switch-changed';

/**
 * Every event revmesh publishes, discriminated by `type`; each type pins its `version`.
 * Sidecar reports (acks, heartbeats) are not events: see `sidecar-report.ts`.
 */
export const revmeshEventSchema = z.discriminatedUnion('type', [
  revocationIssuedV1Schema,
  keyStateChangedV1Schema,
  eventSignerAnnouncedV1Schema,
  eventSignerWithdrawnV1Schema,
  authorityHeartbeatV1Schema,
  alertRaisedV1Schema,
  killSwitchChangedV1Schema,
  auditRecordedV1Schema,
  auditBatchRecordedV1Schema,
]);
export type RevmeshEvent = z.infer<typeof revmeshEventSchema>;
export type RevmeshEventType = RevmeshEvent['type'];

/** The versions this build understands, per event type. */
export const SUPPORTED_EVENT_VERSIONS: Readonly<Record<RevmeshEventType, readonly number[]>> = {
  [REVOCATION_ISSUED]: [1],
  [KEY_STATE_CHANGED]: [1],
  [EVENT_SIGNER_ANNOUNCED]: [1],
  [EVENT_SIGNER_WITHDRAWN]: [1],
  [AUTHORITY_HEARTBEAT]: [1],
  [ALERT_RAISED]: [1],
  [KILL_SWITCH_CHANGED]: [1],
  [AUDIT_RECORDED]: [1],
  [AUDIT_BATCH_RECORDED]: [1],
};
