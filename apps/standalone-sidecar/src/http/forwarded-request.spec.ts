import { originalRequest } from './forwarded-request';

describe('original request of an auth sub-request', () => {
  it('reads Traefik ForwardAuth headers first', () => {
    const headers = { 'x-forwarded-method': 'DELETE', 'x-forwarded-uri': '/orders/7?force=1', 'x-original-uri': '/ignored' };
    expect(originalRequest(headers, 'GET', '/auth', '/auth')).toEqual({ method: 'DELETE', uri: '/orders/7?force=1' });
  });

  it('reads the X-Original-Method/-URI headers the documented nginx configuration sets', () => {
    expect(originalRequest({ 'x-original-method': 'POST', 'x-original-uri': '/orders' }, 'POST', '/auth', '/auth')).toEqual({ method: 'POST', uri: '/orders' });
  });

  it('takes Envoy ext_authz requests as they come: original method, original path after the prefix', () => {
    expect(originalRequest({}, 'PUT', '/auth/orders/7?x=1', '/auth')).toEqual({ method: 'PUT', uri: '/orders/7?x=1' });
    expect(originalRequest({}, 'GET', '/auth', '/auth')).toEqual({ method: 'GET', uri: '/' });
    expect(originalRequest({}, 'GET', '/auth?x=1', '/auth')).toEqual({ method: 'GET', uri: '/?x=1' });
  });
});
