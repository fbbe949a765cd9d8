import { problem } from '../testing/fake-authority.spec-helper';
import { loggedInFixture, type LoggedInFixture } from '../testing/run-cli.spec-helper';

const J = 'SSO tokens reach our APIs, CHG-31';
const KC = 'https://sso.example.com/realms/acme';
const view = { issuer: KC, description: 'company Keycloak', enabled: true, createdBy: 'alice', createdAt: '2030-01-01T12:00:00.000Z', updatedAt: '2030-01-01T12:00:00.000Z' };

describe('revmesh issuers', () => {
  let f: LoggedInFixture;
  beforeEach(async () => {
    f = await loggedInFixture();
  });
  afterEach(() => f.close());

  it('add: POST /v1/issuers {issuer, description, justification}; prints what was registered and how to revoke its tokens', async () => {
    f.authority.on('POST', '/v1/issuers', { status: 201, body: { issuer: view } });
    const run = await f.run(['issuers', 'add', KC, '--description', 'company Keycloak', '-j', J]);
    expect(run.code).toBe(0);
    expect(f.authority.requests).toHaveLength(1);
    expect(f.authority.requests[0]).toMatchObject({ method: 'POST', path: '/v1/issuers', body: { issuer: KC, description: 'company Keycloak', justification: J } });
    expect(run.stdout).toContain(`Registered trusted issuer ${KC}.\n`);
    expect(run.stdout).toMatch(/^enabled +yes$/m);
    expect(run.stdout).toContain(`revmesh revoke sub <value> --iss ${KC}`);
  });

  it('add without --description sends none; --json prints the answer as is', async () => {
    f.authority.on('POST', '/v1/issuers', { status: 201, body: { issuer: { ...view, description: '' } } });
    const run = await f.run(['--json', 'issuers', 'add', KC, '-j', J]);
    expect(run.code).toBe(0);
    expect(f.authority.requests[0]!.body).toEqual({ issuer: KC, justification: J });
    expect(JSON.parse(run.stdout)).toEqual({ issuer: { ...view, description: '' } });
  });

  it('add shows the field the authority refused (exit 1)', async () => {
    f.authority.on('POST', '/v1/issuers', problem(400, 'INVALID_REQUEST', 'Invalid request', 'the request body is invalid', [{ field: 'issuer', message: 'must be an https: URL' }]));
    const run = await f.run(['issuers', 'add', 'http://sso.example.com', '-j', J]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('(code INVALID_REQUEST)');
    expect(run.stderr).toContain('must be an https: URL');
  });

  it('add without a justification is a usage error and sends nothing', async () => {
    const run = await f.run(['issuers', 'add', KC]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/a justification is required/);
    expect(f.authority.requests).toHaveLength(0);
  });

  it('list: GET /v1/issuers as a table', async () => {
    f.authority.on('GET', '/v1/issuers', { status: 200, body: { issuers: [view, { ...view, issuer: 'https://okta.example.com', enabled: false, description: '' }] } });
    const run = await f.run(['issuers', 'list']);
    expect(run.code).toBe(0);
    expect(f.authority.requests[0]).toMatchObject({ method: 'GET', path: '/v1/issuers' });
    expect(run.stdout).toMatch(/^ISSUER +ENABLED +DESCRIPTION/m);
    expect(run.stdout).toMatch(new RegExp(`^${KC.replace(/[.]/g, '\\.')} +yes +company Keycloak`, 'm'));
    expect(run.stdout).toMatch(/^https:\/\/okta\.example\.com +no /m);
  });

  it('list says so when there are none', async () => {
    f.authority.on('GET', '/v1/issuers', { status: 200, body: { issuers: [] } });
    const run = await f.run(['issuers', 'list']);
    expect(run.stdout).toBe('No trusted issuers.\n');
  });

  it.each([
    ['disable', false],
    ['enable', true],
  ] as const)('%s: POST /v1/issuers/<encoded issuer>/%s {justification}', async (verb, enabled) => {
    f.authority.on('POST', `/v1/issuers/${encodeURIComponent(KC)}/${verb}`, { status: 200, body: { issuer: { ...view, enabled } } });
    const run = await f.run(['issuers', verb, KC, '-j', J]);
    expect(run.code).toBe(0);
    expect(f.authority.requests[0]).toMatchObject({ method: 'POST', path: `/v1/issuers/${encodeURIComponent(KC)}/${verb}`, body: { justification: J } });
    expect(run.stdout).toMatch(enabled ? /^Enabled\.$/m : /^Disabled\.$/m);
    expect(run.stdout).toMatch(new RegExp(`^enabled +${enabled ? 'yes' : 'no'}$`, 'm'));
  });
});
