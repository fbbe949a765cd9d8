import { verifyAuditExport, type AuditEntry } from '@revmesh/contracts';
import { DEFAULT_JUSTIFICATION, startTestAuthority, type AuthorityFixture } from '../testing/authority-fixture.spec-helper';

describe('audit HTTP API', () => {
  let f: AuthorityFixture;
  beforeAll(async () => {
    f = await startTestAuthority();
  });
  afterAll(() => f.close());

  const page = async (query = ''): Promise<{ entries: AuditEntry[]; nextAfter: number | null }> => {
    const response = await f.request({ method: 'GET', url: `/v1/audit${query}` });
    expect(response.statusCode).toBe(200);
    return response.json();
  };

  it('records a revocation with who, role, justification, request id and address', async () => {
    const revoked = await f.request({
      method: 'POST',
      url: '/v1/revocations',
      as: 'responder',
      payload: { target: 'jti', value: 'jti-audited', reason: 'leaked' },
      headers: { 'x-request-id': 'req-audit-1' },
      remoteAddress: '10.9.8.7',
    });
    expect(revoked.statusCode).toBe(202);
    const { entries } = await page('?limit=1000');
    const entry = entries.find((e) => e.action === 'revocations.create' && e.target === revoked.json().id);
    expect(entry).toMatchObject({
      outcome: 'succeeded',
      actor: { kind: 'operator', id: 'responder' },
      role: 'responder',
      justification: DEFAULT_JUSTIFICATION,
      requestId: 'req-audit-1',
      sourceAddress: '10.9.8.7',
      details: { targetType: 'jti', targetValue: 'jti-audited' },
    });
  });

  it('records client registration and the secret it discloses', async () => {
    const created = await f.request({ method: 'POST', url: '/v1/clients', payload: { client_id: 'audited-client', audiences: ['api'], scopes: [] } });
    expect(created.statusCode).toBe(201);
    const { entries } = await page('?limit=1000');
    const actions = entries.filter((e) => e.target === 'audited-client').map((e) => [e.action, e.actor.id]);
    expect(actions).toEqual([
      ['clients.create', 'admin'],
      ['clients.secret-issued', 'admin'],
    ]);
  });

  it('pages with after/limit/nextAfter', async () => {
    const first = await page('?limit=2');
    expect(first.entries).toHaveLength(2);
    expect(first.nextAfter).toBe(first.entries[1]!.seq);
    const second = await page(`?after=${first.nextAfter}&limit=1000`);
    expect(second.entries[0]!.seq).toBe(first.nextAfter! + 1);
    expect(second.nextAfter).toBeNull();
    expect((await f.request({ method: 'GET', url: '/v1/audit?limit=1001' })).statusCode).toBe(400);
    expect((await f.request({ method: 'GET', url: '/v1/audit?after=-1' })).statusCode).toBe(400);
  });

  it('exports JSON lines that verify, the export itself audited in them', async () => {
    const response = await f.request({ method: 'GET', url: '/v1/audit/export', headers: { 'x-request-id': 'export-1' } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const result = verifyAuditExport(response.body);
    expect(result).toMatchObject({ ok: true, firstSeq: 1 });
    if (!result.ok) return;
    expect(result.entries.at(-1)).toMatchObject({ action: 'audit.export', actor: { id: 'admin' }, requestId: 'export-1' });
    const lines = response.body.trim().split('\n');
    const edited = [...lines];
    const second = JSON.parse(edited[1]!) as AuditEntry;
    edited[1] = JSON.stringify({ ...second, at: second.at + 1 });
    expect(verifyAuditExport(edited.join('\n'))).toMatchObject({ ok: false, problem: 'edited', seq: 2 });
  });

  it('is for security-admins only', async () => {
    expect((await f.request({ method: 'GET', url: '/v1/audit', as: 'viewer' })).statusCode).toBe(403);
    expect((await f.request({ method: 'GET', url: '/v1/audit/export', as: 'responder' })).statusCode).toBe(403);
    expect((await f.request({ method: 'GET', url: '/v1/audit', as: null })).statusCode).toBe(401);
  });
});
