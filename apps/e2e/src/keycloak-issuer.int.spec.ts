import type { Sidecar } from '@revmesh/sidecar';
import { demoRealm, ensureKeycloak, keycloakPasswordToken, type LocalKeycloak } from '@revmesh/test-support';
import { adminApi, claimsOf, issueToken, startAuthority, type AuthorityHandle } from './support/authority-process';
import { startSidecars } from './support/sidecars';
import { eventually, uniquePrefix } from './support/wait';

/**
 * A real Keycloak (deploy/keycloak/keycloak.sh, realm-revmesh.json) as an external OIDC issuer:
 * sidecars verify its RS256 access tokens with the keys found through OIDC discovery, next to the
 * revmesh authority's own tokens; a `sub` revocation registered in the authority for the Keycloak
 * issuer travels through the real broker and denies that user's Keycloak tokens only.
 */
describe('Keycloak as a trusted issuer', () => {
  const realm = demoRealm();
  const alice = realm.users['alice']!;
  let keycloak: LocalKeycloak;
  let authority: AuthorityHandle;
  let sidecars: Sidecar[];

  beforeAll(async () => {
    // The first suite of a run that needs Keycloak starts it (20-60 s); the run's teardown stops it.
    keycloak = await ensureKeycloak();
    authority = await startAuthority({ brokers: process.env['KAFKA_BROKERS']!, topicPrefix: uniquePrefix('keycloak') });
    const registered = await adminApi(authority, 'POST', '/v1/issuers', { issuer: keycloak.issuer, description: 'local Keycloak, realm revmesh-demo' });
    expect(registered.status).toBe(201);
    sidecars = await startSidecars(authority, 2, {
      issuers: [{ issuer: keycloak.issuer, keys: { discovery: true }, audience: realm.audience }],
    });
  }, 600_000);
  afterAll(async () => {
    await Promise.all((sidecars ?? []).map((sidecar) => sidecar.close()));
    await authority?.process.stop();
  });

  const keycloakToken = async (username: string) => (await keycloakPasswordToken(keycloak.issuer, username)).access_token;
  const revokeSubject = (sub: string, issuer: string) =>
    adminApi(authority, 'POST', '/v1/revocations', { target: 'sub', value: sub, iss: issuer, reason: 'e2e: Keycloak user compromised' });

  it("accepts alice's Keycloak access token, with the client named by azp, beside the authority's own tokens", async () => {
    const token = await keycloakToken('alice');
    const own = await issueToken(authority);
    for (const sidecar of sidecars) {
      const result = await sidecar.verify(token);
      expect(result).toMatchObject({ ok: true, claims: { iss: keycloak.issuer, sub: alice.id, client_id: realm.demoClient.clientId } });
      expect(await sidecar.verify(own)).toMatchObject({ ok: true });
    }
  });

  it("denies alice's earlier Keycloak tokens once her subject is revoked for the Keycloak issuer, and nobody else's", async () => {
    const aliceToken = await keycloakToken('alice');
    const bobToken = await keycloakToken('bob');
    const own = await issueToken(authority);

    const revoked = await revokeSubject(alice.id, keycloak.issuer);
    expect(revoked.status).toBe(202);
    // The same subject value under the authority's issuer is another principal: a rule for the
    // Keycloak issuer naming the authority's client must not deny that client's own tokens.
    expect((await revokeSubject(String(claimsOf(own)['sub']), keycloak.issuer)).status).toBe(202);

    for (const sidecar of sidecars) {
      await eventually('Keycloak sub revocation applied', async () => !(await sidecar.verify(aliceToken)).ok);
      expect(await sidecar.verify(aliceToken)).toMatchObject({ ok: false, code: 'TOKEN_REVOKED', target: 'sub' });
      expect(await sidecar.verify(bobToken)).toMatchObject({ ok: true, claims: { sub: realm.users['bob']!.id } });
      expect(await sidecar.verify(own)).toMatchObject({ ok: true });
    }

    // A sub revocation covers tokens issued up to its second: alice's next login is accepted again.
    const notAfterIat = Number(revoked.body['not_after_iat']);
    await eventually('a new second', () => Date.now() / 1000 >= notAfterIat + 1, 5_000);
    const fresh = await keycloakToken('alice');
    expect(Number(claimsOf(fresh)['iat'])).toBeGreaterThan(notAfterIat);
    for (const sidecar of sidecars) expect(await sidecar.verify(fresh)).toMatchObject({ ok: true });
  });
});
