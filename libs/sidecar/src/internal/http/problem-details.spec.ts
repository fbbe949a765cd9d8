import { VERIFY_FAILURE_CODES, verifyFailure } from '../../verify/verify-result';
import { httpStatusOf, toHttpRejection } from './problem-details';

describe('HTTP answers for the token-policy codes', () => {
  it.each(['TOKEN_LIFETIME_EXCEEDED', 'KEY_NOT_ACTIVE'] as const)('%s: 401 problem+json with the code and an invalid_token challenge', (code) => {
    const rejection = toHttpRejection(verifyFailure(code, 'refused for the test'));
    expect(rejection.status).toBe(401);
    expect(rejection.problem).toMatchObject({ status: 401, code, detail: 'refused for the test', type: `urn:revmesh:problem:${code.toLowerCase().replace(/_/g, '-')}` });
    expect(rejection.headers['www-authenticate']).toMatch(/error="invalid_token"/);
  });

  it('every code has a title and a status', () => {
    for (const code of VERIFY_FAILURE_CODES) {
      expect([code, typeof toHttpRejection(verifyFailure(code as never, 'x')).problem.title]).toEqual([code, 'string']);
      expect([401, 500, 503]).toContain(httpStatusOf(code));
    }
  });
});
