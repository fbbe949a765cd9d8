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

/**
 * A one-time enrolment code from `{operator?, enrolment: {code, expiresAt}}` (operators add,
 * operators enrolment-code, admin bootstrap --enrolment): shown once, for the person who enrols.
 */
export function renderEnrolmentCode(body: unknown, authority: string): string {
  const operator = isJsonObject(body) && isJsonObject(body['operator']) ? body['operator'] : undefined;
  const enrolment = isJsonObject(body) && isJsonObject(body['enrolment']) ? body['enrolment'] : {};
  const code = typeof enrolment['code'] === 'string' ? clean(enrolment['code']) : '-';
  const until = typeof enrolment['expiresAt'] === 'string' ? clean(enrolment['expiresAt']) : '?';
  const head =
    operator === undefined
      ? ''
      : `Created operator ${typeof operator['username'] === 'string' ? clean(operator['username']) : '?'} (${typeof operator['role'] === 'string' ? clean(operator['role']) : '?'}) on ${authority}; they have not enrolled yet.\n`;
  return (
    head +
    `Enrolment code (shown only once, single use, valid until ${until}): hand it to that person over a trusted channel.\n` +
    `code         ${code}\n` +
    `They set their own password and TOTP with: revmesh --authority ${authority} enrol\n`
  );
}
