import { openSignedEvent, type EventSignerTrust, type RevocationIssuedEvent } from '@revmesh/contracts';
import { importJWK, type JSONWebKeySet } from 'jose';
import { startTestAuthority, type AuthorityFixture } from '../testing/authority-fixture.spec-helper';

type Injected = Awaited<ReturnType<AuthorityFixture['request']>>;
const REVOCATIONS_TOPIC = 'http-test.revocations.v1';

describe('POST /v1/revocations:batch', () => {
  let f: AuthorityFixture;
  beforeEach(async () => {
    f = await startTestAuthority();
  });
  afterEach(() => f.close());

  const json = (res: Injected): Record<string, unknown> => JSON.parse(res.body) as Record<string, unknown>;
  const batch = (payload: unknown, as: Parameters<AuthorityFixture['request']>[0]['as'] = 'responder') =>
    f.request({ method: 'POST', url: '/v1/revocations:batch', payload, as });
  const counts = () => {
    const db = f.authority.core.store.db;
    return {
      revocations: db.prepare('SELECT COUNT(*) FROM revocations').pluck().get() as number,
      outbox: db.prepare('SELECT COUNT(*) FROM outbox WHERE topic = ?').pluck().get(REVOCATIONS_TOPIC) as number,
      batchAudit: db.prepare("SELECT COUNT(*) FROM audit_log WHERE action = 'revocations.create-batch'").pluck().get() as number,
    };
  };
  const trust = async (): Promise<EventSignerTrust> => {
    const res = await f.authority.app.inject({ method: 'GET', url: '/.well-known/revmesh-event-signers.json' });
    const keys = (json(res) as unknown as JSONWebKeySet).keys;
    const imported = new Map(await Promise.all(keys.map(async (k) => [k.kid!, await importJWK(k, 'EdDSA')] as const)));
    return { publicKeyFor: (kid) => imported.get(kid) as ReturnType<EventSignerTrust['publicKeyFor']> };
  };

  it('stores every target as its own revocation and event, with one audit entry listing them, and publishes them all', async () => {
    const targets = Array.from({ length: 300 }, (_, i) => ({ target: 'jti', value: `batch-jti-${i}` }));
    targets.push({ target: 'sid', value: 'session-1' });
    const res = await batch({ targets, reason: 'leaked token dump' });
    expect(res.statusCode).toBe(202);
    const body = json(res) as { batch_id: string; count: number; revocations: { id: string; target: string; value: string }[] };
    expect(body.count).toBe(301);
    expect(body.revocations.map((r) => r.value)).toEqual(targets.map((t) => t.value));
    expect(new Set(body.revocations.map((r) => r.id)).size).toBe(301);
    expect(counts()).toEqual({ revocations: 301, outbox: 301, batchAudit: 1 });

    const entry = f.authority.core.audit.list(0, 1000).find((e) => e.action === 'revocations.create-batch')!;
    expect(entry).toMatchObject({ target: body.batch_id, justification: expect.any(String), actor: { kind: 'operator', id: 'responder' } });
    const listed = entry.details['revocations'] as string[][];
    expect(listed.map((r) => [r[0], r[2], r[3]])).toEqual(body.revocations.map((r) => [r.id, r.target, r.value]));
    // No per-revocation entries besides the batch's.
    expect(f.authority.core.audit.list(0, 1000).filter((e) => e.action === 'revocations.create')).toEqual([]);

    const published = () => f.transport.published.filter((r) => r.topic === REVOCATIONS_TOPIC);
    for (let i = 0; i < 300 && published().length < 301; i++) await new Promise((r) => setTimeout(r, 10));
    const signers = await trust();
    const events = await Promise.all(published().map((r) => openSignedEvent(r.value, signers)));
    const ids = events.map((e) => (e.ok ? (e.event as RevocationIssuedEvent).payload.revocation_id : 'invalid'));
    expect(ids).toEqual(body.revocations.map((r) => r.id));
    const status = json(await f.request({ method: 'GET', url: `/v1/revocations/${body.revocations[7]!.id}`, as: 'viewer' }));
    expect(status).toMatchObject({ target: 'jti', value: 'batch-jti-7', reason: 'leaked token dump', published: true });
  });

  it('refuses the whole batch naming each invalid target by index, and stores nothing', async () => {
    const before = counts();
    const res = await batch({
      targets: [{ target: 'jti', value: 'ok' }, { target: 'jti', value: '' }, { target: 'nope', value: 'x' }, { target: 'jti', value: 'y', extra: 1 }],
      reason: 'r',
    });
    expect(res.statusCode).toBe(400);
    const errors = json(res)['errors'] as { field: string; index?: number }[];
    expect(errors.map((e) => [e.index, e.field]).sort()).toEqual([
      [1, 'targets[1].value'],
      [2, 'targets[2].target'],
      [3, 'targets[3].extra'],
    ]);
    expect(counts()).toEqual(before);
  });

  it('refuses an untrusted issuer on one target with 422 naming it, and stores nothing of the batch', async () => {
    const before = counts();
    const res = await batch({ targets: [{ target: 'jti', value: 'a' }, { target: 'jti', value: 'b', iss: 'https://unknown.example' }], reason: 'r' });
    expect(res.statusCode).toBe(422);
    expect(json(res)).toMatchObject({ code: 'BATCH_INVALID', errors: [{ index: 1, field: 'targets[1].iss' }] });
    expect(counts()).toEqual(before);
  });

  it('refuses a batch holding a target the policy puts behind a second security-admin (client_id by default)', async () => {
    const before = counts();
    const res = await batch({ targets: [{ target: 'jti', value: 'a' }, { target: 'client_id', value: 'c1' }], reason: 'r' });
    expect(res.statusCode).toBe(422);
    expect(json(res)).toMatchObject({ code: 'BATCH_NEEDS_APPROVAL', errors: [{ index: 1, field: 'targets[1].target' }] });
    expect(counts()).toEqual(before);
    // sub is not gated by the default policy: accepted in a batch.
    expect((await batch({ targets: [{ target: 'sub', value: 'alice' }], reason: 'r' })).statusCode).toBe(202);
  });

  it('keeps the single-revocation rules: a role, a justification, limits on the size', async () => {
    expect((await batch({ targets: [{ target: 'jti', value: 'a' }], reason: 'r' }, 'viewer')).statusCode).toBe(403);
    expect((await batch({ targets: [{ target: 'jti', value: 'a' }], reason: 'r' }, null)).statusCode).toBe(401);
    const unjustified = await f.request({ method: 'POST', url: '/v1/revocations:batch', payload: { targets: [{ target: 'jti', value: 'a' }], reason: 'r' }, as: 'responder', justification: null });
    expect(unjustified.statusCode).toBe(400);
    const tooMany = await batch({ targets: Array.from({ length: 10_001 }, (_, i) => ({ target: 'jti', value: `j${i}` })), reason: 'r' });
    expect(tooMany.statusCode).toBe(400);
    expect(json(tooMany)['errors']).toEqual([expect.objectContaining({ field: 'targets', message: expect.stringContaining('split') })]);
    expect(counts().revocations).toBe(0);
    // The single route keeps its small body limit.
    const big = await f.request({ method: 'POST', url: '/v1/revocations', payload: { target: 'jti', value: 'a', reason: 'x'.repeat(20_000) }, as: 'responder' });
    expect(big.statusCode).toBe(413);
  });
});
