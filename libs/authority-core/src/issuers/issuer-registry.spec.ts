import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAuthorityCore, type AuthorityCore } from '../authority-core';
import { systemAuditContext } from '../audit/audit-context';
import { IssuerExistsError, IssuerNotFoundError, IssuerNotTrustedError } from '../errors/errors';

const OWN = 'https://authority.test';
const KC = 'https://sso.example.test/realms/acme';

describe('trusted issuer registry', () => {
  let dir: string;
  let core: AuthorityCore;
  let now = Date.UTC(2030, 0, 1, 12, 0, 0);
  const context = systemAuditContext('issuer-spec', 'testing the issuer registry');

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-issuers-'));
    core = await openAuthorityCore({ dataDir: dir, kek: randomBytes(32), issuer: OWN, accessTokenTtlSeconds: 300, topicPrefix: 'test.', clock: { now: () => now } });
  });
  afterEach(() => {
    core.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers, lists, reads, disables and enables an issuer, auditing each change once', () => {
    expect(core.issuers.add({ issuer: KC, description: 'Keycloak' }, context)).toEqual({
      issuer: KC,
      description: 'Keycloak',
      enabled: true,
      createdBy: 'issuer-spec',
      createdAt: now,
      updatedAt: now,
    });
    now += 1000;
    expect(core.issuers.setEnabled(KC, false, context)).toMatchObject({ enabled: false, updatedAt: now });
    expect(core.issuers.setEnabled(KC, false, context)).toMatchObject({ enabled: false }); // no change, not audited again
    expect(core.issuers.list()).toEqual([expect.objectContaining({ issuer: KC, enabled: false })]);
    expect(core.issuers.setEnabled(KC, true, context).enabled).toBe(true);
    expect(core.issuers.get(KC).enabled).toBe(true);
    const actions = core.audit.list(0, 1000).filter((e) => e.target === KC).map((e) => e.action);
    expect(actions).toEqual(['issuers.create', 'issuers.disable', 'issuers.enable']);
  });

  it('refuses a duplicate, an unknown issuer, and URLs that cannot be issuers', () => {
    core.issuers.add({ issuer: KC }, context);
    expect(() => core.issuers.add({ issuer: KC }, context)).toThrow(IssuerExistsError);
    expect(() => core.issuers.get('https://nobody.test')).toThrow(IssuerNotFoundError);
    expect(() => core.issuers.setEnabled('https://nobody.test', false, context)).toThrow(IssuerNotFoundError);
    for (const bad of [OWN, 'http://sso.example.test', 'https://sso.example.test/#x', 'sso.example.test', '']) {
      expect(() => core.issuers.add({ issuer: bad }, context)).toThrow(TypeError);
    }
    expect(() => core.issuers.add({ issuer: 'http://127.0.0.1:8080/realms/a' }, context)).not.toThrow();
  });

  it('names the issuer a revocation targets: none for the own issuer, refused when unknown or disabled', () => {
    core.issuers.add({ issuer: KC }, context);
    expect(core.issuers.revocationIssuer(undefined)).toBeUndefined();
    expect(core.issuers.revocationIssuer(OWN)).toBeUndefined();
    expect(core.issuers.revocationIssuer(KC)).toBe(KC);
    expect(() => core.issuers.revocationIssuer('https://nobody.test')).toThrow(expect.objectContaining({ code: 'ISSUER_NOT_TRUSTED', reason: 'unknown' }));
    core.issuers.setEnabled(KC, false, context);
    expect(() => core.issuers.revocationIssuer(KC)).toThrow(IssuerNotTrustedError);
  });

  it("keeps external-issuer rules out of the authority's own token issuance (latestNotAfterIat)", async () => {
    core.issuers.add({ issuer: KC }, context);
    const actor = { kind: 'system', id: 'spec' } as const;
    const external = await core.revocations.revoke({ target: { type: 'sub', value: 'alice' }, iss: KC, reason: 'takeover', actor });
    expect(external.iss).toBe(KC);
    expect(core.revocations.get(external.id).iss).toBe(KC);
    expect(core.revocations.latestNotAfterIat({ sub: 'alice', clientId: 'nobody' })).toBeUndefined();
    const own = await core.revocations.revoke({ target: { type: 'sub', value: 'alice' }, reason: 'takeover', actor });
    expect(own.iss).toBeUndefined();
    expect(core.revocations.latestNotAfterIat({ sub: 'alice', clientId: 'nobody' })).toBe(own.notAfterIat);
  });

  it('refuses a revocation naming an unregistered issuer, storing nothing', async () => {
    const count = () => core.store.db.prepare('SELECT COUNT(*) FROM revocations').pluck().get() as number;
    await expect(
      core.revocations.revoke({ target: { type: 'jti', value: 'j' }, iss: 'https://nobody.test', reason: 'r', actor: { kind: 'system', id: 'spec' } }),
    ).rejects.toThrow(IssuerNotTrustedError);
    expect(count()).toBe(0);
  });
});
