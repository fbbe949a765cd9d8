import { problem } from '../testing/fake-authority.spec-helper';
import { loggedInFixture, type LoggedInFixture } from '../testing/run-cli.spec-helper';

const J = 'INC-311: laptop stolen, ending her session';
const SID = '9b2e7c1a-0d3f-4c55-9c2e-0d3f1b8a6c11';
const session = {
  sid: SID,
  client_id: 'orders-bff',
  sub: 'alice',
  subject_issuer: 'https://authority.example.com',
  subject: 'alice',
  act: null,
  audience: 'orders-api',
  scope: 'orders:read',
  created_at: 1_893_499_200_000,
  last_used_at: 1_893_499_260_000,
  expires_at: 1_894_104_000_000,
  ended_at: null,
  end_reason: null,
};

describe('revmesh sessions', () => {
  let f: LoggedInFixture;
  beforeEach(async () => {
    f = await loggedInFixture();
  });
  afterEach(() => f.close());

  it('list: GET /v1/sessions with the filters as a query, as a table', async () => {
    f.authority.on('GET', '/v1/sessions?sub=alice&client_id=orders-bff&active=true&limit=5', { status: 200, body: { sessions: [session] } });
    const run = await f.run(['sessions', 'list', '--sub', 'alice', '--client', 'orders-bff', '--active', '--limit', '5']);
    expect(run.code).toBe(0);
    expect(f.authority.requests[0]).toMatchObject({ method: 'GET', path: '/v1/sessions?sub=alice&client_id=orders-bff&active=true&limit=5' });
    expect(run.stdout).toMatch(/^SID +SUB +CLIENT +AUDIENCE/m);
    expect(run.stdout).toMatch(new RegExp(`^${SID} +alice +orders-bff +orders-api`, 'm'));
  });

  it('list says so when there are none, and refuses a bad --limit before sending anything', async () => {
    f.authority.on('GET', '/v1/sessions', { status: 200, body: { sessions: [] } });
    expect((await f.run(['sessions', 'list'])).stdout).toBe('No sessions.\n');
    const bad = await f.run(['sessions', 'list', '--limit', '0']);
    expect(bad.code).toBe(2);
    expect(f.authority.requests).toHaveLength(1);
  });

  it('show: GET /v1/sessions/<sid>; an unknown sid is the authority’s 404', async () => {
    f.authority.on('GET', `/v1/sessions/${SID}`, { status: 200, body: session });
    const run = await f.run(['sessions', 'show', SID]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^sub +alice$/m);
    f.authority.on('GET', '/v1/sessions/nope', problem(404, 'NOT_FOUND', 'Not found', 'no session nope'));
    const missing = await f.run(['sessions', 'show', 'nope']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('no session nope');
  });

  it('revoke: POST /v1/sessions/<sid>/revoke {reason, justification}; prints the sid revocation', async () => {
    f.authority.on('POST', `/v1/sessions/${SID}/revoke`, {
      status: 202,
      body: { id: 'rev-1', target: 'sid', value: SID, reason: 'laptop stolen', revoked_at: 1, not_after_iat: 1, expires_at: 2, published: false },
    });
    const run = await f.run(['sessions', 'revoke', SID, '--reason', 'laptop stolen', '-j', J]);
    expect(run.code).toBe(0);
    expect(f.authority.requests[0]).toMatchObject({ method: 'POST', path: `/v1/sessions/${SID}/revoke`, body: { reason: 'laptop stolen', justification: J } });
    expect(run.stdout).toContain('rev-1');
    expect(run.stdout).toContain('revmesh revocation status rev-1');
  });

  it('revoke without a justification or a reason is a usage error and sends nothing', async () => {
    expect((await f.run(['sessions', 'revoke', SID, '--reason', 'x'])).code).toBe(2);
    expect((await f.run(['sessions', 'revoke', SID, '-j', J])).code).toBe(2);
    expect(f.authority.requests).toHaveLength(0);
  });
});
