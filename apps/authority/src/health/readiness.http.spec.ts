import { sqliteNative } from '@revmesh/authority-core';
import { startTestAuthority, type AuthorityFixture } from '../testing/authority-fixture.spec-helper';

/** Readiness and the 503 a full store answers, through the HTTP API (in-process, SQLite made full). */
describe('GET /health/ready and writes on a full store', () => {
  let f: AuthorityFixture;
  beforeEach(async () => {
    f = await startTestAuthority();
  });
  afterEach(async () => {
    await f.close();
  });

  const db = () => sqliteNative(f.authority.core.store.db);
  const revoke = (value: string) => f.request({ method: 'POST', url: '/v1/revocations', payload: { target: 'jti', value, reason: 'leaked' } });

  it('is ok on a healthy authority, and liveness is public and trivial', async () => {
    // Log the fixture's admin in first: a failing store would refuse the session write.
    await f.operator('security-admin');
    const ready = await f.request({ method: 'GET', url: '/health/ready', as: null });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ok', reasons: [] });
    expect((await f.request({ method: 'GET', url: '/health/live', as: null })).json()).toEqual({ status: 'ok' });
  });

  it('answers 503 STORE_UNAVAILABLE with Retry-After on a full store, changes nothing, reports failing, and recovers', async () => {
    await f.operator('security-admin');
    // SQLite may not grow the file any further: the SQLITE_FULL a full disk gives.
    db().pragma(`max_page_count = ${db().pragma('page_count', { simple: true }) as number}`);
    // A few writes may still fit in free pages; write until the store refuses.
    let refused = await revoke('jti-filler-0');
    let value = 'jti-filler-0';
    for (let i = 1; refused.statusCode === 202 && i < 500; i++) refused = await revoke((value = `jti-filler-${i}`));
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('30');
    expect(refused.json()).toMatchObject({ code: 'STORE_UNAVAILABLE', retry_after_seconds: 30 });
    // The refused revocation left nothing behind: no row, no outbox event, no audit entry.
    expect(db().prepare('SELECT COUNT(*) AS n FROM revocations WHERE target_value = ?').get(value)).toEqual({ n: 0 });
    expect(db().prepare("SELECT COUNT(*) AS n FROM audit_log WHERE target LIKE '%' || ? || '%' OR details LIKE '%' || ? || '%'").get(value, value)).toEqual({ n: 0 });

    const failing = await f.request({ method: 'GET', url: '/health/ready', as: null });
    expect(failing.statusCode).toBe(503);
    expect(failing.json()).toMatchObject({ status: 'failing', reasons: [{ component: 'store', status: 'failing' }] });

    db().pragma('max_page_count = 1073741823');
    expect((await revoke('jti-after-recovery')).statusCode).toBe(202);
    expect((await f.request({ method: 'GET', url: '/health/ready', as: null })).json()).toMatchObject({ status: expect.stringMatching(/^(ok|degraded)$/) });
  });
});
