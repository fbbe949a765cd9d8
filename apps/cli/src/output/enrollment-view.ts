import { isJsonObject } from '../http/api-types';
import { clean } from './text';

/**
 * A new operator's TOTP enrolment from `{operator, totp: {secret, otpauthUri}}`: the one time
 * the authority ever shows the secret, so the line saying so comes first.
 */
export function renderEnrollment(body: unknown, authority: string): string {
  const operator = isJsonObject(body) && isJsonObject(body['operator']) ? body['operator'] : {};
  const totp = isJsonObject(body) && isJsonObject(body['totp']) ? body['totp'] : {};
  const username = typeof operator['username'] === 'string' ? clean(operator['username']) : '?';
  const role = typeof operator['role'] === 'string' ? clean(operator['role']) : '?';
  const uri = typeof totp['otpauthUri'] === 'string' ? clean(totp['otpauthUri']) : '-';
  const secret = typeof totp['secret'] === 'string' ? clean(totp['secret']) : '-';
  return (
    `Created operator ${username} (${role}) on ${authority}.\n` +
    `Store this in your authenticator now: it is shown only once and cannot be shown again.\n` +
    `otpauth URI  ${uri}\n` +
    `secret       ${secret}\n` +
    `Then log in: revmesh --authority ${authority} login --username ${username}\n`
  );
}
