import { presentedCredentials } from './client-credentials';
import { OAuthError } from './oauth-error';

const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

function oauthError(run: () => unknown): OAuthError {
  try {
    run();
  } catch (error) {
    if (error instanceof OAuthError) return error;
    throw error;
  }
  throw new Error('expected an OAuthError');
}

describe('presentedCredentials', () => {
  it('reads client_secret_basic, form-decoding both parts (RFC 6749 §2.3.1)', () => {
    expect(presentedCredentials(basic('svc%3Aa', 'p%2Bq+r'), {})).toEqual({
      method: 'client_secret_basic',
      clientId: 'svc:a',
      clientSecret: 'p+q r',
    });
  });

  it('reads client_secret_post', () => {
    expect(presentedCredentials(undefined, { client_id: 'svc', client_secret: 's' })).toEqual({
      method: 'client_secret_post',
      clientId: 'svc',
      clientSecret: 's',
    });
  });

  it('refuses two methods at once with invalid_request', () => {
    const error = oauthError(() => presentedCredentials(basic('svc', 's'), { client_secret: 's' }));
    expect(error.error).toBe('invalid_request');
  });

  it('refuses a body client_id that differs from the Basic one', () => {
    expect(oauthError(() => presentedCredentials(basic('svc', 's'), { client_id: 'other' })).error).toBe(
      'invalid_request',
    );
  });

  it.each([
    ['no credentials', undefined, {}],
    ['only a client_id', undefined, { client_id: 'svc' }],
    ['Basic without a colon', `Basic ${Buffer.from('svc').toString('base64')}`, {}],
    ['Basic with bad percent-encoding', basic('%zz', 's'), {}],
  ])('answers %s with invalid_client, 401 and a challenge', (_label, authorization, form) => {
    const error = oauthError(() => presentedCredentials(authorization, form));
    expect(error.error).toBe('invalid_client');
    expect(error.status).toBe(401);
    expect(error.headers['WWW-Authenticate']).toMatch(/^Basic /);
  });

  describe('client assertions (private_key_jwt, RFC 7523 §2.2)', () => {
    const TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

    it('reads an assertion with its type, and the client_id when the form names one', () => {
      expect(presentedCredentials(undefined, { client_assertion: 'a.b.c', client_assertion_type: TYPE })).toEqual({ method: 'private_key_jwt', assertion: 'a.b.c' });
      expect(presentedCredentials(undefined, { client_assertion: 'a.b.c', client_assertion_type: TYPE, client_id: 'svc' })).toEqual({
        method: 'private_key_jwt',
        assertion: 'a.b.c',
        clientId: 'svc',
      });
    });

    it('refuses an assertion beside a secret or Basic, half an assertion (invalid_request), and another assertion type (invalid_client)', () => {
      expect(oauthError(() => presentedCredentials(basic('svc', 's'), { client_assertion: 'a.b.c', client_assertion_type: TYPE })).error).toBe('invalid_request');
      expect(oauthError(() => presentedCredentials(undefined, { client_assertion: 'a.b.c', client_assertion_type: TYPE, client_secret: 's' })).error).toBe('invalid_request');
      expect(oauthError(() => presentedCredentials(undefined, { client_assertion: 'a.b.c' })).error).toBe('invalid_request');
      expect(oauthError(() => presentedCredentials(undefined, { client_assertion_type: TYPE })).error).toBe('invalid_request');
      expect(oauthError(() => presentedCredentials(undefined, { client_assertion: 'a.b.c', client_assertion_type: 'urn:example:saml' })).error).toBe('invalid_client');
    });
  });
});
