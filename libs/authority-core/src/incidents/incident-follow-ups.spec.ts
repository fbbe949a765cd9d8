import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditContext } from '../audit/audit-context';
import type { AuditEntryInput, AuditLog, AuditRecord } from '../audit/audit-log';
import { IncidentFollowUpNotFoundError, IncidentNotFoundError } from '../errors/errors';
import { openStore, type AuthorityStore } from '../store/store';
import { createIncidentFollowUps, MAX_FOLLOW_UP_TEXT_LENGTH, type IncidentFollowUps } from './incident-follow-ups';

const alice: AuditContext = { actor: { kind: 'operator', id: 'alice' }, role: 'responder', justification: 'post-incident review', requestId: 'r1', sourceAddress: '10.0.0.1' };
const bob: AuditContext = { ...alice, actor: { kind: 'operator', id: 'bob' } };

describe('incident follow-ups', () => {
  let dir: string;
  let store: AuthorityStore;
  let audit: AuditEntryInput[];
  let now: number;
  let followUps: IncidentFollowUps;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-follow-ups-'));
    now = Date.UTC(2030, 0, 1, 12);
    store = openStore({ dataDir: dir, clock: { now: () => now } });
    for (const id of ['inc-1', 'inc-2']) {
      store.db
        .prepare(`INSERT INTO incidents (id, title, severity, owner, kind, status, created_at, updated_at) VALUES (?, 't', 'high', 'alice', 'incident', 'resolved', 0, 0)`)
        .run(id);
    }
    audit = [];
    const log: AuditLog = { append: (entry) => (audit.push(entry), { ...entry, seq: audit.length, at: now, prevHash: '', hash: '' }) as AuditRecord };
    let ids = 0;
    followUps = createIncidentFollowUps({ store, audit: log, clock: { now: () => now }, newId: () => `fu-${++ids}` });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rows = () => store.db.prepare('SELECT COUNT(*) AS n FROM incident_follow_ups').get() as { n: number };

  it('adds a follow-up to a resolved incident, audited with its text on the incident', () => {
    const added = followUps.add('inc-1', { text: ' rotate the CI secret store ', owner: 'platform team', context: alice });
    expect(added).toEqual({ id: 'fu-1', incidentId: 'inc-1', text: 'rotate the CI secret store', owner: 'platform team', status: 'open', createdAt: now, createdBy: 'alice', doneAt: null, doneBy: null });
    expect(followUps.list('inc-1')).toEqual([added]);
    expect(followUps.list('inc-2')).toEqual([]);
    expect(audit).toEqual([
      { action: 'incidents.follow-up.add', outcome: 'succeeded', target: 'inc-1', context: alice, details: { follow_up_id: 'fu-1', text: 'rotate the CI secret store', owner: 'platform team' } },
    ]);
  });

  it('marks done (who, when) and reopens, each audited once; the same status twice writes nothing', () => {
    followUps.add('inc-1', { text: 'alert on late acks', context: alice });
    now += 60_000;
    expect(followUps.setStatus('inc-1', 'fu-1', 'done', bob)).toMatchObject({ status: 'done', doneAt: now, doneBy: 'bob', owner: null });
    expect(followUps.setStatus('inc-1', 'fu-1', 'done', bob)).toMatchObject({ status: 'done', doneBy: 'bob' });
    expect(followUps.list('inc-1')[0]).toMatchObject({ status: 'done', doneAt: now, doneBy: 'bob' });
    expect(followUps.setStatus('inc-1', 'fu-1', 'open', alice)).toMatchObject({ status: 'open', doneAt: null, doneBy: null });
    expect(audit.map((e) => [e.action, e.target, e.details])).toEqual([
      ['incidents.follow-up.add', 'inc-1', { follow_up_id: 'fu-1', text: 'alert on late acks', owner: null }],
      ['incidents.follow-up.done', 'inc-1', { follow_up_id: 'fu-1' }],
      ['incidents.follow-up.reopen', 'inc-1', { follow_up_id: 'fu-1' }],
    ]);
  });

  it('refuses bad input and unknown ids without writing anything', () => {
    expect(() => followUps.add('inc-1', { text: '   ', context: alice })).toThrow(TypeError);
    expect(() => followUps.add('inc-1', { text: 'x'.repeat(MAX_FOLLOW_UP_TEXT_LENGTH + 1), context: alice })).toThrow(TypeError);
    expect(() => followUps.add('inc-1', { text: 'ok', owner: 'o'.repeat(101), context: alice })).toThrow(TypeError);
    expect(() => followUps.add('nope', { text: 'ok', context: alice })).toThrow(IncidentNotFoundError);
    expect(() => followUps.list('nope')).toThrow(IncidentNotFoundError);
    followUps.add('inc-1', { text: 'ok', context: alice });
    audit.length = 0;
    // Another incident's follow-up is not found through this one.
    expect(() => followUps.setStatus('inc-2', 'fu-1', 'done', bob)).toThrow(IncidentFollowUpNotFoundError);
    expect(() => followUps.setStatus('inc-1', 'fu-9', 'done', bob)).toThrow(IncidentFollowUpNotFoundError);
    expect(rows().n).toBe(1);
    expect(audit).toEqual([]);
    expect(followUps.list('inc-1')[0]).toMatchObject({ status: 'open' });
  });
});
