import { storeEnginesUnderTest } from '@revmesh/test-support';
import { storeLocation, type StoreLocation } from '../testing/store-under-test.spec-helper';
import { openStore, type AuthorityStore } from '../store/store';
import { createCommsStore, type CommsStore } from './comms-store';

// The comms outbox on every engine: the same statements give the same rows and types.
describe.each(storeEnginesUnderTest())('the comms outbox on %s', (engine) => {
  let location: StoreLocation;
  let store: AuthorityStore;
  let comms: CommsStore;
  const T = Date.UTC(2031, 0, 1, 12);

  beforeAll(async () => {
    location = await storeLocation(engine, 'comms_outbox');
    store = openStore(location.options);
    comms = createCommsStore(store);
    store.transaction(() =>
      store.db
        .prepare("INSERT INTO incidents (id, title, severity, owner, kind, status, created_at, updated_at) VALUES ('inc-1', 'leak', 'high', 'alice', 'incident', 'open', ?, ?)")
        .run(T, T),
    );
  });
  afterAll(async () => {
    store.close();
    await location.cleanup();
  });

  it('writes a message with its deliveries, hands due ones out in order, reschedules and finishes them once', () => {
    const text = '**Notice** ünïcødé\n\n- line';
    store.transaction(() => comms.insert({ id: 'msg-1', incidentId: 'inc-1', audience: 'customers', text, textSha256: 'a'.repeat(64), sentBy: 'alice', approvedBy: 'bob', createdAt: T }, ['status', 'chat'], T));
    expect(comms.get('msg-1')).toEqual({ id: 'msg-1', incidentId: 'inc-1', audience: 'customers', text, textSha256: 'a'.repeat(64), sentBy: 'alice', approvedBy: 'bob', createdAt: T });
    const due = comms.due(T, 10);
    expect(due.map((d) => [d.webhook, d.state, d.attempts, d.nextAttemptAt, d.lastStatus])).toEqual([
      ['status', 'pending', 0, T, null],
      ['chat', 'pending', 0, T, null],
    ]);
    expect(typeof due[0]!.seq).toBe('number');

    store.transaction(() => comms.reschedule(due[0]!.seq, { nextAttemptAt: T + 1000, status: 500, error: 'HTTP 500' }));
    expect(comms.due(T, 10).map((d) => d.webhook)).toEqual(['chat']);
    expect(comms.nextDueAt()).toBe(T);
    expect(store.transaction(() => comms.finish(due[1]!.seq, { state: 'delivered', status: 204, error: null, at: T + 5 }))).toBe(true);
    expect(store.transaction(() => comms.finish(due[1]!.seq, { state: 'failed', status: 500, error: 'again', at: T + 6 }))).toBe(false);
    expect(comms.nextDueAt()).toBe(T + 1000);

    const [listed] = comms.listByIncident('inc-1');
    expect(listed?.deliveries.map((d) => [d.webhook, d.state, d.attempts, d.lastStatus, d.lastError, d.finishedAt])).toEqual([
      ['status', 'pending', 1, 500, 'HTTP 500', null],
      ['chat', 'delivered', 1, 204, null, T + 5],
    ]);
  });
});
