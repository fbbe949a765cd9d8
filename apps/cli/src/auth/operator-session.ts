import { UnexpectedResponseError } from '../errors';
import { isJsonObject } from '../http/api-types';
import type { OperatorCredential } from './credential';

/**
 * The credential to store from a `POST /v1/login` or `/v1/login/step-up` answer
 * (`{token, tokenType, expiresIn, authTime, operator: {username, role}}`).
 *
 * @throws {UnexpectedResponseError} when the answer lacks the token or the operator.
 */
export function sessionFromLogin(body: unknown, url: string, authority: string, now: number): OperatorCredential {
  if (!isJsonObject(body) || typeof body['token'] !== 'string' || body['token'] === '' || !isJsonObject(body['operator'])) {
    throw new UnexpectedResponseError(`${url} did not answer with an operator session (no "token" / "operator")`);
  }
  const operator = body['operator'];
  const username = operator['username'];
  const role = operator['role'];
  if (typeof username !== 'string' || typeof role !== 'string') {
    throw new UnexpectedResponseError(`${url} did not name the operator (no "operator.username" / "operator.role")`);
  }
  const expiresIn = typeof body['expiresIn'] === 'number' && body['expiresIn'] > 0 ? body['expiresIn'] : 3600;
  const authTime = body['authTime'];
  return {
    type: 'operator',
    authority,
    username,
    role,
    token: body['token'],
    expires_at: new Date(now + expiresIn * 1000).toISOString(),
    auth_time: typeof authTime === 'string' || typeof authTime === 'number' ? authTime : null,
    saved_at: new Date(now).toISOString(),
  };
}
