import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { authRequestConfig } from './auth-request-config';

describe('the nginx configuration the README documents', () => {
  it('is exactly the one the end-to-end test runs, with the README ports', () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', '..', 'README.md'), 'utf8');
    const documented = authRequestConfig({ listenPort: 8000, listenHost: null, upstreamUrl: 'http://127.0.0.1:3000', sidecarAddress: '127.0.0.1:8082' });
    expect(readme).toContain(`\`\`\`nginx\n${documented}\`\`\``);
  });

  it('passes the configured claim headers to the service and names the sidecar path', () => {
    const config = authRequestConfig({ listenPort: 9000, upstreamUrl: 'http://127.0.0.1:1', sidecarAddress: '127.0.0.1:2', authPath: '/check', claimHeaders: ['X-User'] });
    expect(config).toContain('listen 127.0.0.1:9000;');
    expect(config).toContain('auth_request_set $user');
    expect(config).toContain('$upstream_http_x_user;');
    expect(config).toContain('proxy_set_header X-User $user;');
    expect(config).toContain('proxy_pass http://revmesh_sidecar/check;');
  });
});
