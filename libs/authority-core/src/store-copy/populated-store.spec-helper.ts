import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { systemAuditContext } from '../audit/audit-context';
import type { Revocation } from '../revocations/revocation';
import { TOKEN_TYPE_ACCESS_TOKEN } from '../sessions/session-service';
import { openCoreFixture, type CoreFixture } from '../testing/core-fixture.spec-helper';

/** A closed authority data folder with some of everything, written through the core's services. */
export interface PopulatedStore {
  readonly fixture: CoreFixture;
  readonly dir: string;
  readonly revocations: readonly Revocation[];
  /** Session id of the token exchange. */
  readonly sid: string;
  /** Highest audit seq written. */
  readonly lastAuditSeq: number;
}

/**
 * Opens a core on a fresh folder; registers clients (one with a rotating secret), a token-exchange
 * policy, a session with its refresh token, revocations of several target types (incl. the
 * session), an operator, an incident; ships the audit log (signed copies in the outbox); then closes the core,
 * so the folder is free for a copy. `fixture.cleanup()` removes it.
 */
export async function populatedStore(revocationCount = 20): Promise<PopulatedStore> {
  const fixture = await openCoreFixture({ passwordHashCost: { memoryCost: 1024, timeCost: 1, parallelism: 1 } });
  const { core } = fixture;
  // The token issuer's same-second wait reads the fixture's stepping clock.
  fixture.time.now = Date.now();
  const context = systemAuditContext('store-copy-test', 'fixture for the store copy');
  const bff = core.clients.ensure({ clientId: 'orders-bff', clientSecret: 's', audiences: ['orders-web'], scopes: ['orders:read'] });
  core.clients.register({ clientId: 'billing', audiences: ['billing-api'], scopes: ['billing:read'] }, context);
  core.securityPolicy.update({ tokenExchange: { rules: [{ clients: ['orders-bff'], issuers: ['self'], audiences: ['orders-api'] }] } }, context);
  const user = core.clients.ensure({ clientId: 'alice', clientSecret: 's', audiences: ['orders-web'], scopes: [] });
  const subjectToken = (await core.tokens.issueClientCredentials(user, {})).accessToken;
  const session = await core.sessions.exchange({
    client: bff,
    subjectToken,
    subjectTokenType: TOKEN_TYPE_ACCESS_TOKEN,
    audience: 'orders-api',
    origin: { requestId: 'req-1', sourceAddress: '10.0.0.9' },
  });
  const sid = session.sid;
  const revocations: Revocation[] = [];
  const actor = { kind: 'admin-key', id: 'admin' } as const;
  revocations.push(await core.revocations.revoke({ target: { type: 'sid', value: sid }, reason: 'session ended', actor }));
  revocations.push(await core.revocations.revoke({ target: { type: 'client_id', value: 'billing' }, reason: 'client leaked', actor }));
  for (let i = 0; revocations.length < revocationCount; i += 1) {
    revocations.push(await core.revocations.revoke({ target: { type: i % 2 === 0 ? 'sub' : 'jti', value: `user-${i}` }, reason: `fixture ${i}`, actor }));
  }
  await core.operators.bootstrap({ username: 'ops-lead', password: 'correct horse battery staple' }, { requestId: 'req-2', sourceAddress: '10.0.0.9' });
  core.incidents.open({ title: 'laptop stolen', severity: 'high', owner: 'ops-lead', context });
  await core.audit.flushShipping();
  const lastAuditSeq = core.audit.lastWrittenSeq();
  core.close();
  return { fixture, dir: fixture.dir, revocations, sid, lastAuditSeq };
}

/**
 * A copy of the data folder `dir`'s database in a new temp folder (the caller removes it), with
 * `sql` run on it (foreign keys unchecked): rows the services make rarely, or a tampered store.
 */
export async function editedCopy(dir: string, sql: string): Promise<string> {
  const copy = mkdtempSync(join(tmpdir(), 'revmesh-copy-edited-'));
  try {
    const original = new Database(join(dir, 'authority.db'), { readonly: true });
    await original.backup(join(copy, 'authority.db'));
    original.close();
    const edit = new Database(join(copy, 'authority.db'));
    try {
      edit.pragma('foreign_keys = OFF');
      edit.exec(sql);
    } finally {
      edit.close();
    }
    return copy;
  } catch (error) {
    rmSync(copy, { recursive: true, force: true });
    throw error;
  }
}

/**
 * SQL adding a rotation and the rollback that undid it, which reference each other
 * (rollback_of, rolled_back_by); the rollback's id sorts first, so it is copied first.
 */
export const MUTUAL_ROTATIONS_SQL = `
  INSERT INTO rotations (id, kind, status, actor_kind, actor_id, reason, requested_at, rollback_of)
    VALUES ('rot-1-rollback', 'rollback', 'completed', 'admin-key', 'admin', 'new key misbehaves', 2000, 'rot-2-original');
  INSERT INTO rotations (id, kind, status, actor_kind, actor_id, reason, requested_at, rolled_back_by, rolled_back_at)
    VALUES ('rot-2-original', 'manual', 'rolled_back', 'admin-key', 'admin', 'scheduled', 1000, 'rot-1-rollback', 2000);`;
