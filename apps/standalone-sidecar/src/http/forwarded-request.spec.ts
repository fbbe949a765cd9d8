import { originalRequest, originalUrl } from './forwarded-request';

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

describe('original URL of an auth sub-request (a DPoP proof\'s htu)', () => {
  it('takes nginx\'s X-Original-URL as is', () => {
    expect(originalUrl({ 'x-original-url': 'https://api.example.com/orders/7?x=1', host: '127.0.0.1:8082' }, 'http', '/orders/7?x=1')).toBe('https://api.example.com/orders/7?x=1');
  });

  it('else rebuilds it from X-Forwarded-Proto/-Host or Host, and the original URI', () => {
    expect(originalUrl({ 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com', host: 'sidecar:8082' }, 'http', '/orders')).toBe('https://api.example.com/orders');
    expect(originalUrl({ host: 'api.example.com' }, 'http', '/orders')).toBe('http://api.example.com/orders');
    expect(originalUrl({ 'x-forwarded-proto': 'https, http', host: 'api.example.com' }, 'http', '/o')).toBe('https://api.example.com/o');
    expect(originalUrl({}, 'http', '/orders')).toBe('/orders');
  });
});
