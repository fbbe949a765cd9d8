import { decodeJwt, decodeProtectedHeader } from 'jose';
import { demoRealm, keycloakClientToken, keycloakPasswordToken } from './demo-realm';
import { ensureKeycloak, type LocalKeycloak } from './local-keycloak';

// Proves the Keycloak fixture and the realm file the other Keycloak tests rely on: the realm's
// issuer is fixed to the loopback URL, users get access tokens by the password grant with the
// audience revmesh services check, wrong passwords are refused, and the SSF transmitter is on.

describe('the local Keycloak and its demo realm', () => {
  let keycloak: LocalKeycloak;
  const realm = demoRealm();

  beforeAll(async () => {
    keycloak = await ensureKeycloak();
  }, 600_000);

  it('publishes the realm issuer and its JWKS through OIDC discovery', async () => {
    const response = await fetch(`${keycloak.issuer}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    const discovery = (await response.json()) as { issuer: string; jwks_uri: string };
    expect(discovery.issuer).toBe(keycloak.issuer);
    const jwks = (await (await fetch(discovery.jwks_uri)).json()) as { keys: { alg?: string; use?: string }[] };
    expect(jwks.keys).toEqual(expect.arrayContaining([expect.objectContaining({ alg: 'RS256', use: 'sig' })]));
  });

  it("gives alice an RS256 access token for the demo audience, naming her fixed id and a session", async () => {
    const { access_token } = await keycloakPasswordToken(keycloak.issuer, 'alice');
    expect(decodeProtectedHeader(access_token)).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    const claims = decodeJwt(access_token);
    expect(claims).toMatchObject({
      iss: keycloak.issuer,
      sub: realm.users['alice']!.id,
      aud: realm.audience,
      azp: realm.demoClient.clientId,
      preferred_username: 'alice',
    });
    expect(typeof claims.jti).toBe('string');
    expect(typeof claims['sid']).toBe('string');
  });

  it('refuses a wrong password', async () => {
    await expect(keycloakPasswordToken(keycloak.issuer, 'alice', 'not-her-password')).rejects.toThrow(/HTTP 400.*invalid_grant/);
  });

  it('serves the SSF transmitter configuration, and client credentials to the receiver client', async () => {
    const response = await fetch(`${keycloak.issuer}/.well-known/ssf-configuration`);
    expect(response.status).toBe(200);
    const configuration = (await response.json()) as Record<string, unknown>;
    expect(configuration).toMatchObject({
      spec_version: '1_0',
      issuer: keycloak.issuer,
      configuration_endpoint: `${keycloak.issuer}/ssf/transmitter/streams`,
      delivery_methods_supported: expect.arrayContaining(['urn:ietf:rfc:8935', 'urn:ietf:rfc:8936']),
    });
    const token = await keycloakClientToken(keycloak.issuer, realm.ssfReceiver);
    expect(decodeJwt(token.access_token)).toMatchObject({ azp: realm.ssfReceiver.clientId });
  });
});
