import { loadDemoApiConfig } from './demo-api-config';

const ENV = { KAFKA_BROKERS: '127.0.0.1:19092', AUTHORITY_URL: 'http://127.0.0.1:8080' };

describe('demo-api REVMESH_ISSUERS', () => {
  it('hands a JSON array of issuers to the sidecar as given; none by default', () => {
    const keycloak = { issuer: 'http://127.0.0.1:18080/realms/revmesh-demo', keys: { discovery: true }, audience: 'revmesh-demo-api' };
    expect(loadDemoApiConfig({ ...ENV, REVMESH_ISSUERS: JSON.stringify([keycloak]) }).issuers).toEqual([keycloak]);
    expect(loadDemoApiConfig(ENV).issuers).toBeUndefined();
  });

  it.each(['{"issuer":"x"}', 'not json', '["x"]'])('refuses %s, naming the variable', (value) => {
    expect(() => loadDemoApiConfig({ ...ENV, REVMESH_ISSUERS: value })).toThrow('REVMESH_ISSUERS: must be a JSON array of issuers');
  });
});

describe('demo-api REVMESH_DRILL_SWITCH_UNSAFE', () => {
  it('is off unless set to true; anything but true or false is refused, naming the variable', () => {
    expect(loadDemoApiConfig(ENV).drillSwitchUnsafe).toBe(false);
    expect(loadDemoApiConfig({ ...ENV, REVMESH_DRILL_SWITCH_UNSAFE: 'true' }).drillSwitchUnsafe).toBe(true);
    expect(() => loadDemoApiConfig({ ...ENV, REVMESH_DRILL_SWITCH_UNSAFE: 'yes' })).toThrow('REVMESH_DRILL_SWITCH_UNSAFE');
  });
});
