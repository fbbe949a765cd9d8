import { createTestDatabase, storeEnginesUnderTest, type TestDatabase } from '@revmesh/test-support';
import { startTestAuthority, type AuthorityFixture } from '../testing/authority-fixture.spec-helper';
import { NUL_CHARACTER_MESSAGE } from './nul-characters';

/**
 * PostgreSQL cannot hold a text with U+0000 (its client cuts it there, or the server refuses it)
 * while SQLite stores it: the authority refuses such a request text with the same 400 problem on
 * both engines, before anything reaches the store.
 */
describe.each(storeEnginesUnderTest())('a request text holding a NUL character, on %s', (engine) => {
  let db: TestDatabase | undefined;
  let f: AuthorityFixture;
  beforeAll(async () => {
    db = engine === 'postgres' ? await createTestDatabase('nul_characters') : undefined;
    f = await startTestAuthority(db === undefined ? {} : { database: { url: db.url, statementTimeoutMs: 30_000, connectTimeoutMs: 10_000 } });
  });
  afterAll(async () => {
    await f?.close();
    await db?.drop();
  });

  const revocationCount = (): number => f.authority.core.store.db.prepare('SELECT COUNT(*) FROM revocations').pluck().get() as number;

  it('is a 400 problem naming the field, and nothing is stored', async () => {
    const res = await f.request({ method: 'POST', url: '/v1/revocations', payload: { target: 'jti', value: 'jti-1', reason: 'leaked\u0000token' } });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.body)).toMatchObject({ status: 400, code: 'INVALID_REQUEST', errors: [{ field: 'reason', message: NUL_CHARACTER_MESSAGE }] });
    expect(revocationCount()).toBe(0);
  });

  it('names an item of a batch by its path and index', async () => {
    const payload = { targets: [{ target: 'jti', value: 'fine' }, { target: 'jti', value: 'x\u0000' }], reason: 'leak' };
    const res = await f.request({ method: 'POST', url: '/v1/revocations:batch', payload, as: 'responder' });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ errors: [{ field: 'targets[1].value', index: 1, message: NUL_CHARACTER_MESSAGE }] });
    expect(revocationCount()).toBe(0);
  });

  it('in a path parameter or a query value (%00) is a 400 problem naming it, not a lookup of the text before it', async () => {
    const created = await f.request({ method: 'POST', url: '/v1/revocations', payload: { target: 'jti', value: 'jti-0', reason: 'leak' } });
    const id = String((JSON.parse(created.body) as { id: string }).id);
    const byPath = await f.request({ method: 'GET', url: `/v1/revocations/${id}%00x`, as: 'viewer' });
    expect(byPath.statusCode).toBe(400);
    expect(JSON.parse(byPath.body)).toMatchObject({ code: 'INVALID_REQUEST', errors: [{ field: 'id', message: NUL_CHARACTER_MESSAGE }] });
    const byQuery = await f.request({ method: 'GET', url: '/v1/incidents?status=open%00', as: 'viewer' });
    expect(byQuery.statusCode).toBe(400);
    expect(JSON.parse(byQuery.body)).toMatchObject({ errors: [{ field: 'status', message: NUL_CHARACTER_MESSAGE }] });
  });

  it('still accepts a request without it', async () => {
    const res = await f.request({ method: 'POST', url: '/v1/revocations', payload: { target: 'jti', value: 'jti-2', reason: 'leaked token' } });
    expect(res.statusCode).toBe(202);
    expect(revocationCount()).toBe(2);
  });
});
