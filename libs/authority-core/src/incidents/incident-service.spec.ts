import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditContext } from '../audit/audit-context';
import type { AuditEntryInput, AuditLog, AuditRecord } from '../audit/audit-log';
import {
  IncidentClosedError,
  IncidentLinkTargetUnknownError,
  IncidentNotFoundError,
  IncidentTransitionError,
  IncidentUnknownError,
  OperatorNotFoundError,
} from '../errors/errors';
import { openStore, type AuthorityStore } from '../store/store';
import { INCIDENT_TRANSITIONS, INCIDENT_STATUSES, canTransition } from './incident';
import { createIncidentService, type IncidentService } from './incident-service';

const alice: AuditContext = { actor: { kind: 'operator', id: 'alice' }, role: 'responder', justification: 'token leaked in a log', requestId: 'r1', sourceAddress: '10.0.0.1' };

describe('incident status transitions', () => {
  it('only move forward along open → contained → resolved', () => {
    const allowed = INCIDENT_STATUSES.flatMap((from) => INCIDENT_STATUSES.filter((to) => canTransition(from, to)).map((to) => `${from}→${to}`));
    expect(allowed).toEqual(['open→contained', 'open→resolved', 'contained→resolved']);
    expect(INCIDENT_TRANSITIONS.resolved).toEqual([]);
  });
});

describe('incident service', () => {
  let dir: string;
  let store: AuthorityStore;
  let audit: AuditEntryInput[];
  let now: number;
  let service: IncidentService;
  let existing: Set<string>;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-incidents-'));
    now = Date.UTC(2030, 0, 1, 12);
    store = openStore({ dataDir: dir, clock: { now: () => now } });
    store.db
      .prepare(`INSERT INTO operators (id, username, role, password_hash, sealed_totp_secret, created_at, created_by) VALUES (?, ?, 'responder', 'x', 'x', 0, 'test')`)
      .run('op-1', 'alice');
    store.db
      .prepare(`INSERT INTO operators (id, username, role, password_hash, sealed_totp_secret, created_at, created_by) VALUES (?, ?, 'security-admin', 'x', 'x', 0, 'test')`)
      .run('op-2', 'Bob');
    audit = [];
    const log: AuditLog = { append: (entry) => (audit.push(entry), { ...entry, seq: audit.length, at: now, prevHash: '', hash: '' }) as AuditRecord };
    existing = new Set(['revocation:rev-1', 'approval:ap-1']);
    let ids = 0;
    service = createIncidentService({ store, audit: log, clock: { now: () => now }, actionExists: (kind, id) => existing.has(`${kind}:${id}`), newId: () => `inc-${++ids}` });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens an incident owned by its opener, audited', () => {
    const incident = service.open({ title: ' Leaked token ', severity: 'high', context: alice });
    expect(incident).toEqual({ id: 'inc-1', title: 'Leaked token', severity: 'high', owner: 'alice', kind: 'incident', status: 'open', createdAt: now, updatedAt: now });
    expect(service.get('inc-1')).toEqual({ ...incident, links: [] });
    expect(audit).toEqual([expect.objectContaining({ action: 'incidents.open', target: 'inc-1', outcome: 'succeeded', context: alice })]);
  });

  it('refuses an owner who is not an operator, storing nothing', () => {
    expect(() => service.open({ title: 't', severity: 'low', owner: 'mallory', context: alice })).toThrow(OperatorNotFoundError);
    expect(service.list()).toEqual([]);
    expect(audit).toEqual([]);
  });

  it('changes status forward, audits the change, and refuses going back naming the current state', () => {
    service.open({ title: 't', severity: 'low', context: alice });
    now += 1000;
    const contained = service.update('inc-1', { status: 'contained', owner: 'bob', context: alice });
    expect(contained).toMatchObject({ status: 'contained', owner: 'Bob', updatedAt: now });
    expect(audit[1]).toMatchObject({ action: 'incidents.update', details: { status: { from: 'open', to: 'contained' }, owner: { from: 'alice', to: 'Bob' } } });
    const resolved = service.update('inc-1', { status: 'resolved', context: alice });
    expect(resolved.status).toBe('resolved');
    expect(audit[2]).toMatchObject({ action: 'incidents.close' });

    const refused = (() => {
      try {
        service.update('inc-1', { status: 'open', context: alice });
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refused).toBeInstanceOf(IncidentTransitionError);
    expect(refused).toMatchObject({ currentState: 'resolved', requestedState: 'open' });
    expect((refused as Error).message).toContain('is resolved');
    expect(service.get('inc-1').status).toBe('resolved');
    expect(audit).toHaveLength(3);
  });

  it('writes nothing when nothing changes', () => {
    service.open({ title: 't', severity: 'low', context: alice });
    service.update('inc-1', { severity: 'low', context: alice });
    expect(audit).toHaveLength(1);
  });

  it('lists newest first, optionally by status', () => {
    service.open({ title: 'a', severity: 'low', context: alice });
    now += 1;
    service.open({ title: 'b', severity: 'critical', kind: 'drill', context: alice });
    service.update('inc-1', { status: 'contained', context: alice });
    expect(service.list().map((i) => i.id)).toEqual(['inc-2', 'inc-1']);
    expect(service.list({ status: 'contained' }).map((i) => i.id)).toEqual(['inc-1']);
    expect(service.get('inc-2').kind).toBe('drill');
  });

  it('links existing actions once, audited, and refuses unknown actions, unknown and resolved incidents', () => {
    service.open({ title: 't', severity: 'low', context: alice });
    now += 5;
    const linked = service.link('inc-1', { kind: 'revocation', actionId: 'rev-1' }, alice);
    expect(linked.links).toEqual([{ kind: 'revocation', actionId: 'rev-1', linkedAt: now }]);
    service.link('inc-1', { kind: 'revocation', actionId: 'rev-1' }, alice);
    expect(audit.filter((e) => e.action === 'incidents.link')).toEqual([expect.objectContaining({ target: 'inc-1', details: { links: [{ kind: 'revocation', id: 'rev-1' }] } })]);

    expect(() => service.link('inc-1', { kind: 'rotation', actionId: 'rev-1' }, alice)).toThrow(IncidentLinkTargetUnknownError);
    expect(() => service.link('nope', { kind: 'revocation', actionId: 'rev-1' }, alice)).toThrow(IncidentNotFoundError);
    service.update('inc-1', { status: 'resolved', context: alice });
    expect(() => service.link('inc-1', { kind: 'approval', actionId: 'ap-1' }, alice)).toThrow(IncidentClosedError);
    expect(service.get('inc-1').links).toHaveLength(1);
  });

  it('checks the incident field of an action: unknown (not "not found") and closed are refused', () => {
    expect(() => service.requireLinkable('nope')).toThrow(IncidentUnknownError);
    service.open({ title: 't', severity: 'low', context: alice });
    expect(service.requireLinkable('inc-1').id).toBe('inc-1');
    service.update('inc-1', { status: 'resolved', context: alice });
    expect(() => service.requireLinkable('inc-1')).toThrow(IncidentClosedError);
  });

  it('links inside the caller\'s transaction: a refusal rolls the action back with it', () => {
    store.db.exec('CREATE TEMP TABLE actions (id TEXT)');
    service.open({ title: 't', severity: 'low', context: alice });
    store.transaction(() => {
      store.db.prepare('INSERT INTO temp.actions VALUES (?)').run('a-1');
      service.linkInTransaction('inc-1', [{ kind: 'revocation', actionId: 'a-1' }], alice);
    });
    service.update('inc-1', { status: 'resolved', context: alice });
    expect(() =>
      store.transaction(() => {
        store.db.prepare('INSERT INTO temp.actions VALUES (?)').run('a-2');
        service.linkInTransaction('inc-1', [{ kind: 'revocation', actionId: 'a-2' }], alice);
      }),
    ).toThrow(IncidentClosedError);
    expect(store.db.prepare('SELECT id FROM temp.actions').all()).toEqual([{ id: 'a-1' }]);
    expect(service.get('inc-1').links.map((l) => l.actionId)).toEqual(['a-1']);
  });
});
