import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_POLICY, PolicyInvalidError } from '@revmesh/authority-core';
import { DEFAULT_JUSTIFICATION, startTestAuthority, type AuthorityFixture } from '../testing/authority-fixture.spec-helper';

type Injected = Awaited<ReturnType<AuthorityFixture['request']>>;
const json = (res: Injected): Record<string, unknown> => JSON.parse(res.body) as Record<string, unknown>;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function expectProblem(res: Injected, status: number, code: string): Record<string, unknown> {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = json(res);
  expect(body['code']).toBe(code);
  return body;
}

describe('policy HTTP API', () => {
  let f: AuthorityFixture;
  beforeEach(async () => {
    f = await startTestAuthority();
  });
  afterEach(() => f.close());

  const put = (policy: unknown, more: { justification?: string | null; as?: 'viewer' | 'responder' | 'security-admin' } = {}) =>
    f.request({ method: 'PUT', url: '/v1/policy', payload: { policy }, ...more });

  /** PUT as the fixture's admin, approved by a second security-admin (default policy: `policy.update` is gated). */
  const putApproved = async (policy: unknown): Promise<Injected> => {
    const pending = await put(policy);
    expect(pending.statusCode).toBe(202);
    const id = (json(pending)['approval'] as { id: string }).id;
    const second = await f.newOperator('security-admin');
    const approved = await f.request({ method: 'POST', url: `/v1/approvals/${id}/approve`, payload: {}, as: second });
    expect(approved.statusCode).toBe(200);
    expect(json(approved)['approval']).toMatchObject({ state: 'executed' });
    return f.request({ method: 'GET', url: '/v1/policy', as: 'viewer' });
  };

  it('GET /v1/policy shows the policy in force with every default (viewer)', async () => {
    const res = await f.request({ method: 'GET', url: '/v1/policy', as: 'viewer' });
    expect(res.statusCode).toBe(200);
    expect(json(res)).toEqual({
      version: 1,
      policy: DEFAULT_POLICY,
      updatedAt: expect.stringMatching(ISO),
      updatedBy: { kind: 'system', id: 'authority' },
      source: 'default',
    });
  });

  it('PUT /v1/policy stores a new version with who and why, applies it, and lists it in the changelog', async () => {
    const admin = await f.operator('security-admin');
    const res = await putApproved({ approvals: { windowSeconds: 600 }, owners: { keys: ['alice'] } });
    expect(res.statusCode).toBe(200);
    const body = json(res);
    expect(body).toMatchObject({ version: 2, source: 'api', updatedBy: { kind: 'operator' }, updatedAt: expect.stringMatching(ISO) });
    expect((body['policy'] as typeof DEFAULT_POLICY).approvals).toEqual({ requiredFor: DEFAULT_POLICY.approvals.requiredFor, windowSeconds: 600, coolingOffSeconds: 86_400 });
    expect(f.authority.core.securityPolicy.current().approvals.windowSeconds).toBe(600);
    expect(json(await f.request({ method: 'GET', url: '/v1/policy', as: 'viewer' }))['version']).toBe(2);

    const changelog = await f.request({ method: 'GET', url: '/v1/policy/changelog', as: 'viewer' });
    expect(changelog.statusCode).toBe(200);
    const { versions } = json(changelog) as { versions: Record<string, unknown>[] };
    expect(versions).toEqual([
      {
        version: 2,
        at: expect.stringMatching(ISO),
        actor: body['updatedBy'],
        justification: DEFAULT_JUSTIFICATION,
        source: 'api',
        changes: [
          { field: 'approvals.windowSeconds', old: 3600, new: 600 },
          { field: 'owners.keys', old: null, new: ['alice'] },
        ],
      },
      expect.objectContaining({ version: 1, source: 'default', justification: null, changes: [] }),
    ]);
    expect(JSON.stringify(versions[0]!['actor'])).toContain(admin.username);
    // The change is in the audit log with the operator and the justification.
    const audited = f.authority.core.audit.list(0, 1000).filter((e) => e.action === 'policy.update' && e.target === 'policy:v2');
    expect(audited).toEqual([expect.objectContaining({ justification: DEFAULT_JUSTIFICATION, role: 'security-admin' })]);
    expect(json(await f.request({ method: 'GET', url: '/v1/policy/changelog?limit=1', as: 'viewer' }))['versions']).toHaveLength(1);
  });

  it('one security-admin cannot switch the two-person rule off: the change waits for a second admin', async () => {
    const res = await put({ approvals: { requiredFor: [] } });
    expect(res.statusCode).toBe(202);
    expect(res.headers['location']).toMatch(/^\/v1\/approvals\//);
    expect(json(res)).toMatchObject({ status: 'pending-approval', approval: { action: 'policy.update', state: 'pending' } });
    expect(f.authority.core.securityPolicy.current().approvals.requiredFor).toContain('policy.update');
    // Nor can they approve it themselves.
    const id = (json(res)['approval'] as { id: string }).id;
    expectProblem(await f.request({ method: 'POST', url: `/v1/approvals/${id}/approve`, payload: {} }), 403, 'SELF_APPROVAL');
    expect(f.authority.core.securityPolicy.currentVersion().version).toBe(1);
  });

  it('answers 422 POLICY_INVALID naming each invalid field, and stores nothing', async () => {
    const res = await put({ approvals: { windowSeconds: 30, requiredFor: ['keys.compromise', 'nope'] }, retention: 5 });
    const body = expectProblem(res, 422, 'POLICY_INVALID');
    expect(body['errors']).toEqual([
      { field: 'approvals.requiredFor[1]', message: expect.stringMatching(/^must be one of /) },
      { field: 'approvals.windowSeconds', message: 'must be at least 60' },
      { field: 'retention', message: 'is not a known field' },
    ]);
    // A lifetime above the authority's access-token TTL (120 s in the fixture).
    expect(expectProblem(await put({ tokens: { audiences: { 'demo-api': { lifetimeSeconds: 121 } } } }), 422, 'POLICY_INVALID')['errors']).toEqual([
      { field: 'tokens.audiences.demo-api.lifetimeSeconds', message: expect.stringContaining('(REVMESH_ACCESS_TOKEN_TTL_SECONDS = 120 s)') },
    ]);
    expect(f.authority.core.securityPolicy.currentVersion().version).toBe(1);
  });

  it('refuses a body without a policy object (400), a viewer (403) and a missing justification (400)', async () => {
    expectProblem(await f.request({ method: 'PUT', url: '/v1/policy', payload: {} }), 400, 'INVALID_REQUEST');
    expectProblem(await put('windowSeconds: 600'), 400, 'INVALID_REQUEST');
    expectProblem(await put({}, { as: 'viewer' }), 403, 'FORBIDDEN');
    expectProblem(await put({}, { justification: null }), 400, 'JUSTIFICATION_REQUIRED');
    expect(f.authority.core.securityPolicy.currentVersion().version).toBe(1);
  });

  it("applies an audience's lifetime to the next token without a restart", async () => {
    const token = async (): Promise<number> => {
      const res = await f.request({
        method: 'POST',
        url: '/oauth/token',
        as: null,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from('demo-client:demo-secret-0123456789').toString('base64')}`,
        },
        payload: 'grant_type=client_credentials',
      });
      expect(res.statusCode).toBe(200);
      return json(res)['expires_in'] as number;
    };
    expect(await token()).toBe(120);
    expect((await putApproved({ tokens: { audiences: { 'demo-api': { lifetimeSeconds: 45 } } } })).statusCode).toBe(200);
    expect(await token()).toBe(45);
  });
});

describe('REVMESH_POLICY_FILE at start', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-policy-http-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses to start with an invalid file, naming the file and the field', async () => {
    const path = join(dir, 'policy.yaml');
    writeFileSync(path, 'operators:\n  stepUpWindowSeconds: 5\n');
    const started = startTestAuthority({ policyFile: path });
    await expect(started).rejects.toBeInstanceOf(PolicyInvalidError);
    await expect(started).rejects.toThrow('policy.yaml: operators.stepUpWindowSeconds: must be at least 30');
  });

  it('serves a valid file as the policy in force (source file)', async () => {
    const path = join(dir, 'policy.json');
    writeFileSync(path, JSON.stringify({ justification: { minLength: 12 } }));
    const f = await startTestAuthority({ policyFile: path });
    try {
      const body = json(await f.request({ method: 'GET', url: '/v1/policy', as: 'viewer' }));
      expect(body).toMatchObject({ version: 1, source: 'file', updatedBy: { kind: 'system', id: 'policy-file' } });
      expect((body['policy'] as typeof DEFAULT_POLICY).justification.minLength).toBe(12);
    } finally {
      await f.close();
    }
  });
});
