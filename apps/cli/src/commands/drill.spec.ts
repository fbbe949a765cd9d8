import { loggedInFixture, type LoggedInFixture } from '../testing/run-cli.spec-helper';

const J = 'quarterly breach drill';
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const TOKEN = `${b64({ alg: 'EdDSA', kid: 'key-1' })}.${b64({ jti: 'jti-1', scope: 'revmesh:drill' })}.sig`;

/**
 * `revmesh drill run` against a fake authority whose own `/probe` route plays one instance: it
 * accepts the canary token until the revocation arrives (or forever, for a stale instance).
 */
describe('revmesh drill', () => {
  let f: LoggedInFixture;
  let revokedAt: number | undefined;
  beforeEach(async () => {
    f = await loggedInFixture();
    revokedAt = undefined;
    const a = f.authority;
    a.on('GET', '/v1/policy', { status: 200, body: { policy: { drills: { containWithinSeconds: 1, allowSelfApproval: false } } } });
    a.on('GET', '/v1/instances?all=true', { status: 200, body: { instances: [{ instance_id: 'api-1', live: true, audiences: ['api'], last_heartbeat_at: 1 }] } });
    a.on('POST', '/v1/incidents', { status: 201, body: { incident: { id: 'inc-1' } } });
    a.on('PATCH', '/v1/incidents/inc-1', { status: 200, body: { incident: { id: 'inc-1' } } });
    // The canary client, and its disabling at cleanup.
    a.on('POST', '/v1/clients', (r) => {
      const id = (r.body as { client_id: string }).client_id;
      a.on('POST', `/v1/clients/${id}/disable`, { status: 200, body: {} });
      return { status: 201, body: { client_id: id, client_secret: 's3cret' } };
    });
    a.on('POST', '/oauth/token', { status: 200, body: { access_token: TOKEN, token_type: 'Bearer' } });
    a.on('POST', '/v1/revocations', () => {
      revokedAt = Date.now();
      return { status: 202, body: { id: 'rev-1' } };
    });
    a.on('GET', '/v1/incidents/inc-1/timeline', () => ({
      status: 200,
      body: {
        incident: { id: 'inc-1', links: revokedAt === undefined ? [] : [{ kind: 'revocation', id: 'rev-1' }] },
        entries:
          revokedAt === undefined
            ? []
            : [
                { type: 'audit', at: revokedAt, seq: 2, action: 'revocations.create', target: 'rev-1', outcome: 'succeeded' },
                { type: 'instance.applied', at: revokedAt + 12, action_id: 'rev-1', instance_id: 'api-1' },
                { type: 'alert', at: revokedAt + 30, kind: 'revoked_token_use', summary: 'revoked token presented' },
              ],
        containment: { contained_at: revokedAt === undefined ? null : revokedAt + 12, why: null },
      },
    }));
  });
  afterEach(() => f.close());

  it('run: a drill incident, a canary with scope revmesh:drill, the jti revoked for the incident, measured, cleaned up; PASS exits 0', async () => {
    f.authority.on('GET', '/probe', () => (revokedAt === undefined ? { status: 200, body: { accepted: true, instance_id: 'api-1' } } : { status: 401, body: { code: 'TOKEN_REVOKED' } }));
    const run = await f.run(['drill', 'run', '--scenario', 'leaked-access-token', '--audience', 'api', '--probe-url', `${f.authority.url}/probe`, '-j', J]);
    expect({ code: run.code, stderr: run.stderr.includes('drill: incident inc-1 opened') }).toEqual({ code: 0, stderr: true });
    expect(run.stdout).toMatch(/api-1\s+\d+ ms TOKEN_REVOKED\s+12 ms\s+\d+\s+yes/);
    expect(run.stdout).toContain('PASS: every instance contained within 1 s');
    const writes = f.authority.requests.filter((r) => r.method !== 'GET' && r.path !== '/oauth/token');
    expect(writes.map((r) => `${r.method} ${r.path.replace(/drill-leaked-access-token-[0-9a-f]+/, 'CANARY')}`)).toEqual([
      'POST /v1/incidents',
      'POST /v1/clients',
      'POST /v1/revocations',
      'POST /v1/clients/CANARY/disable',
      'PATCH /v1/incidents/inc-1',
      'PATCH /v1/incidents/inc-1',
    ]);
    expect(writes[0]!.body).toMatchObject({ kind: 'drill', severity: 'low', justification: `drill leaked-access-token: ${J}` });
    expect(writes[1]!.body).toMatchObject({ audiences: ['api'], scopes: ['revmesh:drill'] });
    expect(writes[2]!.body).toMatchObject({ target: 'jti', value: 'jti-1', incident: 'inc-1' });
    expect(writes.slice(4).map((w) => (w.body as { status: string }).status)).toEqual(['contained', 'resolved']);
    const probe = f.authority.requests.find((r) => r.path === '/probe');
    expect(probe?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('run: an instance that keeps accepting the leaked token fails the drill: exit 11, the reason in the --json result', async () => {
    f.authority.on('GET', '/probe', { status: 200, body: { accepted: true, instance_id: 'api-1' } });
    const run = await f.run(['--json', 'drill', 'run', '--scenario', 'leaked-access-token', '--audience', 'api', '--probe-url', `${f.authority.url}/probe`, '-j', J]);
    expect(run.code).toBe(11);
    const result = JSON.parse(run.stdout) as { verdict: { passed: boolean; reasons: string[] } };
    expect(result.verdict.passed).toBe(false);
    expect(result.verdict.reasons).toEqual([expect.stringContaining('api-1: still accepted the leaked credential 1.00 s after the response')]);
  });

  it('run: stale-sidecar without a cut-off URL or a stale instance is a usage error before any request', async () => {
    const run = await f.run(['drill', 'run', '--scenario', 'stale-sidecar', '--audience', 'api', '--probe-url', 'http://127.0.0.1:1/probe', '-j', J]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('stale-sidecar needs an instance cut off from the broker');
    expect(f.authority.requests).toEqual([]);
  });

  it('scenarios: every scenario with its summary', async () => {
    const run = await f.run(['--json', 'drill', 'scenarios']);
    expect((JSON.parse(run.stdout) as { scenarios: { name: string }[] }).scenarios.map((s) => s.name)).toEqual([
      'leaked-access-token',
      'compromised-client',
      'leaked-signing-key',
      'mass-logout',
      'stale-sidecar',
    ]);
  });
});
