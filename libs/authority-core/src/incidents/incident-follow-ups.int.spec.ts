import { storeEnginesUnderTest } from '@revmesh/test-support';
import type { AuditEntryInput, AuditLog, AuditRecord } from '../audit/audit-log';
import { IncidentFollowUpNotFoundError } from '../errors/errors';
import { openStore, type AuthorityStore } from '../store/store';
import { storeLocation, type StoreLocation } from '../testing/store-under-test.spec-helper';
import { createIncidentFollowUps } from './incident-follow-ups';

// Follow-ups read and written the same way on every store engine (SQLite, and PostgreSQL when
// REVMESH_TEST_DATABASE_URL names a server: always under CI).
describe.each(storeEnginesUnderTest())('incident follow-ups on %s', (engine) => {
  let location: StoreLocation;
  let store: AuthorityStore;
  beforeAll(async () => {
    location = await storeLocation(engine, 'follow_ups');
    store = openStore(location.options);
  });
  afterAll(async () => {
    store.close();
    await location.cleanup();
  });

  it('adds, marks done and lists them, with times as numbers and absent values as null', () => {
    const now = Date.UTC(2030, 0, 1, 12);
    store.db.prepare(`INSERT INTO incidents (id, title, severity, owner, kind, status, created_at, updated_at) VALUES ('inc-1', 't', 'high', 'alice', 'incident', 'open', 0, 0)`).run();
    const audit: AuditEntryInput[] = [];
    const log: AuditLog = { append: (entry) => (audit.push(entry), { ...entry, seq: audit.length, at: now, prevHash: '', hash: '' }) as AuditRecord };
    const followUps = createIncidentFollowUps({ store, audit: log, clock: { now: () => now }, newId: () => 'fu-1' });
    const context = { actor: { kind: 'operator' as const, id: 'alice' }, role: 'responder' as const, justification: 'review', requestId: null, sourceAddress: null };

    const added = followUps.add('inc-1', { text: 'page on missing acks', context });
    followUps.setStatus('inc-1', 'fu-1', 'done', context);
    expect(followUps.list('inc-1')).toEqual([{ ...added, status: 'done', doneAt: now, doneBy: 'alice' }]);
    expect(followUps.list('inc-1')[0]?.owner).toBeNull();
    expect(() => followUps.setStatus('inc-1', 'fu-2', 'done', context)).toThrow(IncidentFollowUpNotFoundError);
    expect(audit.map((e) => e.action)).toEqual(['incidents.follow-up.add', 'incidents.follow-up.done']);
  });
});
