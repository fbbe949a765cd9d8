import { createPublicKey } from 'node:crypto';
import { openSignedEvent, type AuditEntry } from '@revmesh/contracts';
import { startTestAuthority, type AuthorityFixture } from '../testing/authority-fixture.spec-helper';

const KC = 'https://sso.example.test/realms/acme';

/** Trusted issuers, and revocations that target one of them (`iss`). */
describe('issuers HTTP API', () => {
  let f: AuthorityFixture;
  beforeAll(async () => {
    f = await startTestAuthority();
  });
  afterAll(() => f.close());

  const auditEntries = async (): Promise<AuditEntry[]> => (await f.request({ method: 'GET', url: '/v1/audit?limit=1000' })).json<{ entries: AuditEntry[] }>().entries;

  it('registers an issuer (201, Location, audited), lists it for any operator, and reads it by its encoded URL', async () => {
    const created = await f.request({ method: 'POST', url: '/v1/issuers', payload: { issuer: KC, description: 'company Keycloak' } });
    expect(created.statusCode).toBe(201);
    expect(created.headers['location']).toBe(`/v1/issuers/${encodeURIComponent(KC)}`);
    expect(created.json()).toEqual({
      issuer: { issuer: KC, description: 'company Keycloak', enabled: true, createdBy: 'admin', createdAt: expect.any(String), updatedAt: expect.any(String) },
    });
    const listed = await f.request({ method: 'GET', url: '/v1/issuers', as: 'viewer' });
    expect(listed.statusCode).toBe(200);
    expect(listed.json<{ issuers: { issuer: string }[] }>().issuers.map((i) => i.issuer)).toContain(KC);
    const one = await f.request({ method: 'GET', url: created.headers['location'] as string, as: 'viewer' });
    expect(one.json()).toMatchObject({ issuer: { issuer: KC, enabled: true } });
    expect((await auditEntries()).find((e) => e.action === 'issuers.create' && e.target === KC)).toMatchObject({
      outcome: 'succeeded',
      actor: { kind: 'operator', id: 'admin' },
      role: 'security-admin',
      details: { description: 'company Keycloak' },
    });
  });

  it('refuses a duplicate (409 ISSUER_EXISTS), the authority itself, and URLs that cannot be issuers (400 naming issuer)', async () => {
    await f.request({ method: 'POST', url: '/v1/issuers', payload: { issuer: 'https://dup.example.test' } });
    const again = await f.request({ method: 'POST', url: '/v1/issuers', payload: { issuer: 'https://dup.example.test' } });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'ISSUER_EXISTS' });
    for (const issuer of [f.config.issuer, 'http://sso.example.test', 'https://sso.example.test/?realm=a', 'not a url']) {
      const refused = await f.request({ method: 'POST', url: '/v1/issuers', payload: { issuer } });
      expect({ issuer, status: refused.statusCode }).toEqual({ issuer, status: 400 });
      expect(refused.json()).toMatchObject({ errors: [{ field: 'issuer' }] });
    }
    expect((await f.request({ method: 'GET', url: `/v1/issuers/${encodeURIComponent('https://nobody.test')}` })).statusCode).toBe(404);
  });

  it('a revocation naming a registered issuer stores, audits and publishes it with the event (signed), under its own record key', async () => {
    await f.request({ method: 'POST', url: '/v1/issuers', payload: { issuer: 'https://okta.example.test' } });
    const revoked = await f.request({ method: 'POST', url: '/v1/revocations', as: 'responder', payload: { target: 'jti', value: 'okta-jti-1', iss: 'https://okta.example.test', reason: 'leaked' } });
    expect(revoked.statusCode).toBe(202);
    const id = revoked.json<{ id: string }>().id;
    expect(revoked.json()).toMatchObject({ target: 'jti', value: 'okta-jti-1', iss: 'https://okta.example.test' });
    expect((await f.request({ method: 'GET', url: `/v1/revocations/${id}`, as: 'viewer' })).json()).toMatchObject({ iss: 'https://okta.example.test' });
    expect((await auditEntries()).find((e) => e.action === 'revocations.create' && e.target === id)).toMatchObject({
      details: { targetType: 'jti', targetValue: 'okta-jti-1', iss: 'https://okta.example.test' },
    });
    const row = f.authority.core.store.db.prepare('SELECT record_key, value FROM outbox WHERE revocation_id = ?').get(id) as { record_key: string; value: Buffer };
    expect(row.record_key).toBe(`${'https://okta.example.test'.length}:https://okta.example.test|jti:okta-jti-1`);
    const opened = await openSignedEvent(row.value, {
      publicKeyFor: (kid) => {
        const jwk = f.authority.core.eventSigners.trusted().find((s) => s.kid === kid);
        return jwk === undefined ? undefined : createPublicKey({ key: { ...jwk }, format: 'jwk' });
      },
    });
    expect(opened.ok && opened.event.type === 'revocation.issued' && opened.event.payload).toMatchObject({ target: { type: 'jti', value: 'okta-jti-1' }, iss: 'https://okta.example.test' });
  });

  it("a revocation of the authority's own tokens carries no iss (old sidecars read it as before)", async () => {
    const revoked = await f.request({ method: 'POST', url: '/v1/revocations', as: 'responder', payload: { target: 'jti', value: 'own-jti', reason: 'leaked' } });
    expect(revoked.json()).toMatchObject({ iss: null });
    const own = await f.request({ method: 'POST', url: '/v1/revocations', as: 'responder', payload: { target: 'jti', value: 'own-jti-2', iss: f.config.issuer, reason: 'leaked' } });
    expect(own.statusCode).toBe(202);
    expect(own.json()).toMatchObject({ iss: null });
  });

  it('an unknown or disabled issuer is 422 ISSUER_NOT_TRUSTED naming the field iss, and nothing is stored', async () => {
    const count = () => f.authority.core.store.db.prepare('SELECT COUNT(*) FROM revocations').pluck().get() as number;
    const before = count();
    const unknown = await f.request({ method: 'POST', url: '/v1/revocations', as: 'responder', payload: { target: 'jti', value: 'x', iss: 'https://unknown.test', reason: 'r' } });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.headers['content-type']).toContain('application/problem+json');
    expect(unknown.json()).toMatchObject({ code: 'ISSUER_NOT_TRUSTED', iss: 'https://unknown.test', errors: [{ field: 'iss', message: expect.stringContaining('POST /v1/issuers') }] });

    await f.request({ method: 'POST', url: '/v1/issuers', payload: { issuer: 'https://entra.example.test' } });
    const disabled = await f.request({ method: 'POST', url: `/v1/issuers/${encodeURIComponent('https://entra.example.test')}/disable`, payload: {} });
    expect(disabled.json()).toMatchObject({ issuer: { enabled: false } });
    // A client_id revocation is approval-gated by default: the issuer is checked before any approval is requested.
    const refused = await f.request({ method: 'POST', url: '/v1/revocations', payload: { target: 'client_id', value: 'web-app', iss: 'https://entra.example.test', reason: 'r' } });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ code: 'ISSUER_NOT_TRUSTED', errors: [{ field: 'iss' }] });
    expect(count()).toBe(before);
    const actions = (await auditEntries()).filter((e) => e.target === 'https://entra.example.test').map((e) => e.action);
    expect(actions).toEqual(['issuers.create', 'issuers.disable']);

    await f.request({ method: 'POST', url: `/v1/issuers/${encodeURIComponent('https://entra.example.test')}/enable`, payload: {} });
    const allowed = await f.request({ method: 'POST', url: '/v1/revocations', payload: { target: 'jti', value: 'entra-jti', iss: 'https://entra.example.test', reason: 'r' } });
    expect(allowed.statusCode).toBe(202);
  });

  it('a gated client_id revocation of an external issuer keeps its iss through the approval', async () => {
    await f.request({ method: 'POST', url: '/v1/issuers', payload: { issuer: 'https://auth0.example.test/' } });
    const requested = await f.request({ method: 'POST', url: '/v1/revocations', payload: { target: 'client_id', value: 'auth0-app', iss: 'https://auth0.example.test/', reason: 'client secret leaked' } });
    expect(requested.statusCode).toBe(202);
    const approvalId = requested.json<{ approval: { id: string } }>().approval.id;
    const second = await f.newOperator('security-admin', 'issuers-second-admin');
    const approved = await f.request({ method: 'POST', url: `/v1/approvals/${approvalId}/approve`, payload: {}, as: second });
    expect(approved.statusCode).toBe(200);
    const revocationId = approved.json<{ approval: { result: { id: string } } }>().approval.result.id;
    expect((await f.request({ method: 'GET', url: `/v1/revocations/${revocationId}` })).json()).toMatchObject({ target: 'client_id', value: 'auth0-app', iss: 'https://auth0.example.test/' });
  });
});
