import { problem } from '../testing/fake-authority.spec-helper';
import { loggedInFixture, type LoggedInFixture } from '../testing/run-cli.spec-helper';
import { SSF_CLIENT_SECRET_ENV } from './ssf';

const J = 'Keycloak logouts end API tokens, CHG-40';
const CONFIG = 'http://127.0.0.1:18080/realms/revmesh-demo/.well-known/ssf-configuration';
const view = {
  id: 'keycloak',
  issuer: 'http://127.0.0.1:18080/realms/revmesh-demo',
  delivery: 'push',
  streamId: 'stream-1',
  endpointUrl: 'http://127.0.0.1:8080/ssf/receiver/push/keycloak',
  status: 'enabled',
  verifiedAt: null,
};

describe('revmesh ssf transmitters', () => {
  let f: LoggedInFixture;
  beforeEach(async () => {
    f = await loggedInFixture();
  });
  afterEach(() => f.close());

  const addArgs = ['ssf', 'transmitters', 'add', 'keycloak', '--config', CONFIG, '--client-id', 'revmesh-ssf-receiver', '--scope', 'ssf.read ssf.manage', '-j', J];

  it('add: POST /v1/ssf/transmitters with the secret from the environment (never a flag), push by default', async () => {
    f.authority.on('POST', '/v1/ssf/transmitters', { status: 201, body: { transmitter: view } });
    const run = await f.run(addArgs, { env: { [SSF_CLIENT_SECRET_ENV]: 's3cret' } });
    expect(run.code).toBe(0);
    expect(f.authority.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v1/ssf/transmitters',
      body: { id: 'keycloak', config_url: CONFIG, client_id: 'revmesh-ssf-receiver', client_secret: 's3cret', scope: 'ssf.read ssf.manage', delivery: 'push', justification: J },
    });
    expect(run.stdout).toContain('Registered SSF transmitter keycloak.');
    expect(run.stdout).toMatch(/^endpoint url +http:\/\/127\.0\.0\.1:8080\/ssf\/receiver\/push\/keycloak$/m);
    expect(run.stdout).not.toContain('s3cret');
  });

  it('add --poll asks for poll delivery; without a secret (and no terminal) it is a usage error that sends nothing', async () => {
    f.authority.on('POST', '/v1/ssf/transmitters', { status: 201, body: { transmitter: { ...view, delivery: 'poll' } } });
    expect((await f.run([...addArgs, '--poll'], { env: { [SSF_CLIENT_SECRET_ENV]: 's' } })).code).toBe(0);
    expect(f.authority.requests[0]!.body).toMatchObject({ delivery: 'poll' });
    f.authority.requests.length = 0;
    const run = await f.run(addArgs);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(SSF_CLIENT_SECRET_ENV);
    expect(f.authority.requests).toHaveLength(0);
  });

  it('add shows why the transmitter refused (502 SSF_TRANSMITTER_FAILED, exit 1)', async () => {
    f.authority.on('POST', '/v1/ssf/transmitters', problem(502, 'SSF_TRANSMITTER_FAILED', 'The SSF transmitter did not do what was asked', 'create stream: answered 400 delivery.endpoint_url is not in the receiver client\'s ssf.validPushUrls'));
    const run = await f.run(addArgs, { env: { [SSF_CLIENT_SECRET_ENV]: 's' } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('(code SSF_TRANSMITTER_FAILED)');
    expect(run.stderr).toContain('ssf.validPushUrls');
  });

  it('list: GET /v1/ssf/transmitters as a table', async () => {
    f.authority.on('GET', '/v1/ssf/transmitters', { status: 200, body: { transmitters: [view] } });
    const run = await f.run(['ssf', 'transmitters', 'list']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ID +ISSUER +DELIVERY +STATUS +STREAM/m);
    expect(run.stdout).toMatch(/^keycloak +http:\/\/127\.0\.0\.1:18080\/realms\/revmesh-demo +push +enabled +stream-1/m);
  });

  it.each([
    ['pause', 'paused'],
    ['resume', 'enabled'],
  ] as const)('%s: POST /v1/ssf/transmitters/<id>/status {status: %s}', async (verb, status) => {
    f.authority.on('POST', '/v1/ssf/transmitters/keycloak/status', { status: 200, body: { transmitter: { ...view, status } } });
    const run = await f.run(['ssf', 'transmitters', verb, 'keycloak', '--reason', 'maintenance', '-j', J]);
    expect(run.code).toBe(0);
    expect(f.authority.requests[0]).toMatchObject({ method: 'POST', path: '/v1/ssf/transmitters/keycloak/status', body: { status, reason: 'maintenance', justification: J } });
    expect(run.stdout).toMatch(new RegExp(`^status +${status}$`, 'm'));
  });

  it.each(['verify', 'refresh', 'remove', 'rotate-push-authorization'] as const)('%s: POST /v1/ssf/transmitters/<id>/%s {justification}', async (verb) => {
    f.authority.on('POST', `/v1/ssf/transmitters/keycloak/${verb}`, { status: verb === 'verify' ? 202 : 200, body: verb === 'refresh' ? { transmitter: view } : { state: 'x' } });
    const run = await f.run(['ssf', 'transmitters', verb, 'keycloak', '-j', J]);
    expect(run.code).toBe(0);
    expect(f.authority.requests[0]).toMatchObject({ method: 'POST', path: `/v1/ssf/transmitters/keycloak/${verb}`, body: { justification: J } });
  });
});
