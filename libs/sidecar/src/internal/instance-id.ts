import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** What an instance id may contain: it becomes part of Kafka client ids and metric attributes. */
export const INSTANCE_ID_PATTERN = /^[A-Za-z0-9._:-]{1,200}$/;

/**
 * `${hostname}-${pid}-${random}`: unique per process even when many containers share a hostname
 * or a pid, readable in broker logs. Characters Kafka client ids do not allow become `_`.
 */
export function defaultInstanceId(): string {
  const host = hostname().replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 120) || 'host';
  return `${host}-${process.pid}-${randomBytes(4).toString('hex')}`;
}
