import { startTestAuthority, type AuthorityFixture } from '../testing/authority-fixture.spec-helper';

/** `GET /health` on the one authority of a SQLite store: the leader at once, publishing under its epoch. */
describe('GET /health (replica role)', () => {
  let f: AuthorityFixture;
  beforeAll(async () => {
    f = await startTestAuthority();
  });
  afterAll(async () => {
    await f.close();
  });

  it('shows this replica as the leader with its lease epoch and age, publicly and uncached', async () => {
    const reply = await f.request({ method: 'GET', url: '/health', as: null });
    expect(reply.statusCode).toBe(200);
    expect(reply.headers['cache-control']).toBe('no-store');
    const body = reply.json() as { role: string; epoch: number; lease_age_ms: number; holder: string; replica_id: string };
    expect(body).toMatchObject({ status: 'ok', role: 'leader' });
    expect(body.epoch).toBeGreaterThanOrEqual(1);
    expect(body.lease_age_ms).toBeGreaterThanOrEqual(0);
    expect(body.holder).toBe(body.replica_id);
    // The store's lease row names this replica at that epoch.
    expect(f.authority.core.store.db.prepare('SELECT holder, epoch FROM leader_lease').get()).toEqual({ holder: body.replica_id, epoch: body.epoch });
    expect(f.authority.relay.status().state).not.toBe('idle');
  });
});
