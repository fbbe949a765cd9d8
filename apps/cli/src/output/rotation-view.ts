import { isJsonObject } from '../http/api-types';
import { describeRecord } from './record-view';
import { formatValue } from './text';

/** Members shown first in a rotation record, when present; the rest follow in the authority's order. */
const ROTATION_ORDER = [
  'id',
  'kind',
  'status',
  'state',
  'reason',
  'from_kid',
  'to_kid',
  'old_kid',
  'new_kid',
  'new_standby_kid',
  'from_key_state',
  'requested_at',
  'started_at',
  'gate_outcome',
  'promoted_at',
  'completed_at',
  'unconfirmed_instances',
];

/**
 * A rotation record (`keys rotate|compromise|rollback`, `rotation status`, `event-signers
 * rotate`): its fields as pairs, its steps and unconfirmed instances as tables.
 */
export function renderRotation(body: unknown): string {
  return isJsonObject(body) ? describeRecord(body, ROTATION_ORDER) : `${formatValue('', body)}\n`;
}
