import { createTestEventSigner } from '@revmesh/test-support';
import { loadStandaloneConfig, STANDALONE_DEFAULTS } from './standalone-config';

const problemsOf = (env: NodeJS.ProcessEnv, files: Record<string, string> = {}): string => {
  try {
    loadStandaloneConfig(env, (path) => {
      const text = files[path];
      if (text === undefined) throw new Error('ENOENT');
      return text;
    });
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
};

describe('revmesh-sidecar configuration', () => {
  let signers: string;
  let required: NodeJS.ProcessEnv;
  beforeAll(async () => {
    const signer = await createTestEventSigner();
    signers = JSON.stringify({ keys: [signer.publicJwk] });
    required = { KAFKA_BROKERS: '127.0.0.1:19092, 127.0.0.1:19093', REVMESH_ISSUER: 'http://127.0.0.1:8080', REVMESH_AUDIENCE: 'orders-api', REVMESH_EVENT_SIGNERS: signers };
  });

  it('fills every default from one table, and splits lists', () => {
    const config = loadStandaloneConfig(required);
    expect(config).toMatchObject({
      host: STANDALONE_DEFAULTS.host,
      port: 8082,
      authPath: '/auth',
      claimHeaders: { sub: 'X-Revmesh-Sub', client_id: 'X-Revmesh-Client-Id', scope: 'X-Revmesh-Scope' },
      codeHeader: 'X-Revmesh-Code',
      trustedProxies: ['127.0.0.1', '::1'],
      brokers: ['127.0.0.1:19092', '127.0.0.1:19093'],
      issuer: 'http://127.0.0.1:8080',
      audience: ['orders-api'],
      topicPrefix: 'revmesh.',
      stalePolicy: 'fail-closed',
      logLevel: 'info',
      instanceId: undefined,
      maxSilenceMs: undefined,
      clockToleranceSeconds: undefined,
      sidecar: {},
    });
    expect(config.eventSigners).toEqual(JSON.parse(signers).keys);
  });

  it('reads the claim-header mapping and the other settings from the environment', () => {
    const config = loadStandaloneConfig({
      ...required,
      REVMESH_AUDIENCE: 'orders-api,orders-admin',
      REVMESH_SIDECAR_PORT: '9000',
      REVMESH_SIDECAR_AUTH_PATH: '/_revmesh/check',
      REVMESH_SIDECAR_CLAIM_HEADERS: 'sub=X-User, sid=X-Session',
      REVMESH_MAX_SILENCE_MS: '15000',
      REVMESH_CLOCK_TOLERANCE_SECONDS: '0',
      REVMESH_STALE_POLICY: 'fail-open-UNSAFE',
    });
    expect(config).toMatchObject({
      audience: ['orders-api', 'orders-admin'],
      port: 9000,
      authPath: '/_revmesh/check',
      claimHeaders: { sub: 'X-User', sid: 'X-Session' },
      maxSilenceMs: 15000,
      clockToleranceSeconds: 0,
      stalePolicy: 'fail-open-UNSAFE',
    });
  });

  it('takes further issuers (OIDC providers) as JSON in REVMESH_ISSUERS or a list in the file, with or without the authority issuer', () => {
    const keycloak = { issuer: 'https://sso.example.com/realms/acme', keys: { discovery: true }, audience: 'orders-api', typ: ['JWT'] };
    const { REVMESH_ISSUER: _, ...withoutAuthority } = required;
    expect(loadStandaloneConfig({ ...withoutAuthority, REVMESH_ISSUERS: JSON.stringify([keycloak]) })).toMatchObject({ issuer: undefined, issuers: [keycloak] });
    const yaml = ['issuers:', '  - issuer: https://sso.example.com/realms/acme', '    keys: { discovery: true }'].join('\n');
    expect(loadStandaloneConfig({ ...required, REVMESH_SIDECAR_CONFIG_FILE: 'c.yml' }, () => yaml).issuers).toEqual([{ issuer: 'https://sso.example.com/realms/acme', keys: { discovery: true } }]);
    expect(problemsOf({ ...required, REVMESH_ISSUERS: '{"issuer":"x"}' })).toContain('REVMESH_ISSUERS: must be an array of issuer objects; use a JSON array of issuers');
  });

  it('takes a YAML or JSON file, with the environment over it and extra library options under "sidecar"', () => {
    const yaml = ['issuer: http://auth.example', 'audience: [orders-api, billing-api]', 'brokers: ["kafka:9092"]', 'port: 7000', 'sidecar:', '  requiredTyp: JWT', `eventSigners: ${signers}`].join('\n');
    const config = loadStandaloneConfig({ REVMESH_SIDECAR_CONFIG_FILE: '/etc/revmesh/sidecar.yaml', REVMESH_SIDECAR_PORT: '7001' }, () => yaml);
    expect(config).toMatchObject({ issuer: 'http://auth.example', audience: ['orders-api', 'billing-api'], brokers: ['kafka:9092'], port: 7001, sidecar: { requiredTyp: 'JWT' } });
    const fromJson = loadStandaloneConfig({ ...required, REVMESH_SIDECAR_CONFIG_FILE: 'c.json' }, () => JSON.stringify({ codeHeader: 'X-Auth-Code' }));
    expect(fromJson.codeHeader).toBe('X-Auth-Code');
  });

  it('lists every problem at once, naming the variable or the file field and the fix', () => {
    const message = problemsOf({ REVMESH_SIDECAR_PORT: '70000', REVMESH_EVENT_SIGNERS: '{nope', REVMESH_SIDECAR_CLAIM_HEADERS: 'sub' });
    expect(message).toContain('invalid revmesh-sidecar configuration');
    expect(message).toContain('REVMESH_SIDECAR_PORT: Too big');
    expect(message).toContain('REVMESH_EVENT_SIGNERS: is not JSON');
    expect(message).toContain('REVMESH_SIDECAR_CLAIM_HEADERS: "sub" is not claim=Header-Name; use comma-separated claim=Header-Name pairs');
    expect(message).toContain('KAFKA_BROKERS (or "brokers" in REVMESH_SIDECAR_CONFIG_FILE): is required; use comma-separated host:port');
    expect(message).toContain('REVMESH_ISSUER (or "issuer" in REVMESH_SIDECAR_CONFIG_FILE): is required (unless issuers are given)');
    expect(message).toContain('REVMESH_AUDIENCE (or "audience" in REVMESH_SIDECAR_CONFIG_FILE): is required');

    const fileProblems = problemsOf({ ...required, REVMESH_SIDECAR_CONFIG_FILE: 'c.json' }, { 'c.json': JSON.stringify({ prot: 1, claimHeaders: { sub: 'Bad Header' } }) });
    expect(fileProblems).toContain('c.json: (root): Unrecognized key: "prot"');
    expect(fileProblems).toContain('c.json: claimHeaders.sub: must be an HTTP header name');
    expect(problemsOf({ REVMESH_SIDECAR_CONFIG_FILE: 'missing.yaml' })).toContain('REVMESH_SIDECAR_CONFIG_FILE=missing.yaml: cannot be read');
    expect(problemsOf({ REVMESH_SIDECAR_CONFIG_FILE: 'c.toml' })).toContain('use a .json, .yaml or .yml file');
  });

  it('refuses a private event-signing key, clashing headers and reserved auth paths', async () => {
    const signer = await createTestEventSigner();
    const privateJwk = await signer.privateJwk();
    expect(problemsOf({ ...required, REVMESH_EVENT_SIGNERS: JSON.stringify([privateJwk]) })).toContain('REVMESH_EVENT_SIGNERS: contains private key material ("d")');
    expect(problemsOf({ ...required, REVMESH_EVENT_SIGNERS: '[]' })).toContain('REVMESH_EVENT_SIGNERS: must list at least one event signer');
    expect(problemsOf({ ...required, REVMESH_SIDECAR_CLAIM_HEADERS: 'sub=X-Revmesh-Code' })).toContain('header X-Revmesh-Code is already used (codeHeader)');
    expect(problemsOf({ ...required, REVMESH_SIDECAR_CODE_HEADER: 'x-revmesh-problem' })).toContain('header x-revmesh-problem is already used');
    expect(problemsOf({ ...required, REVMESH_SIDECAR_AUTH_PATH: '/health/auth' })).toContain('REVMESH_SIDECAR_AUTH_PATH: must not be /health… or /metrics');
    expect(problemsOf({ ...required, REVMESH_SIDECAR_AUTH_PATH: '/auth/' })).toContain('must start with / and not end with /');
    expect(loadStandaloneConfig({ ...required, REVMESH_SIDECAR_FAIL_OPEN_UNSAFE_AUTH_PATH: '/auth-fail-open' }).failOpenUnsafeAuthPath).toBe('/auth-fail-open');
    expect(problemsOf({ ...required, REVMESH_SIDECAR_FAIL_OPEN_UNSAFE_AUTH_PATH: '/auth/open' })).toContain(
      'REVMESH_SIDECAR_FAIL_OPEN_UNSAFE_AUTH_PATH: must lie outside the auth path /auth',
    );
  });
});
