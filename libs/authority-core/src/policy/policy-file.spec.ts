import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PolicyInvalidError } from '../errors/errors';
import { DEFAULT_POLICY } from './policy-document';
import { loadPolicyFile } from './policy-file';
import type { PolicyLimits } from './policy-validation';

const LIMITS: PolicyLimits = { accessTokenTtlSeconds: 900, prepublishLeadMs: 3_600_000, promotionGateTimeoutMs: 10_000 };

describe('policy file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-policy-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  /** The PolicyInvalidError a load throws (fails the test when it does not throw one). */
  const failure = (path: string, limits: PolicyLimits = LIMITS): PolicyInvalidError => {
    try {
      loadPolicyFile(path, limits);
    } catch (error) {
      if (error instanceof PolicyInvalidError) return error;
      throw error;
    }
    throw new Error('expected the policy to be refused');
  };

  it('reads YAML, fills every default, and hashes the bytes', () => {
    const text = [
      '# comments are fine',
      'tokens:',
      '  audiences:',
      '    payments-api: { lifetimeSeconds: 120 }',
      'rotation:',
      '  periodSeconds: 86400',
      'approvals:',
      '  requiredFor: [kill-switch.engage, keys.compromise]',
      'owners:',
      '  keys: [alice, bob]',
      '',
    ].join('\n');
    const loaded = loadPolicyFile(write('policy.yaml', text), LIMITS);
    expect(loaded.document).toEqual({
      ...DEFAULT_POLICY,
      tokens: { audiences: { 'payments-api': { lifetimeSeconds: 120 } }, maxLifetimeSeconds: 86_400 },
      rotation: { periodSeconds: 86_400 },
      approvals: { requiredFor: ['kill-switch.engage', 'keys.compromise'], windowSeconds: 3600, coolingOffSeconds: 86_400 },
      owners: { keys: ['alice', 'bob'] },
    });
    expect(loaded.sha256).toBe(createHash('sha256').update(text).digest('hex'));
  });

  it('reads JSON (.json) and YAML (.yml), and an empty YAML file is the defaults', () => {
    const json = loadPolicyFile(write('policy.json', JSON.stringify({ justification: { minLength: 25 }, audit: { retentionDays: 30 } })), LIMITS);
    expect(json.document.justification.minLength).toBe(25);
    expect(json.document.audit.retentionDays).toBe(30);
    expect(json.document.approvals).toEqual(DEFAULT_POLICY.approvals);
    expect(loadPolicyFile(write('policy.yml', 'operators:\n  stepUpWindowSeconds: 300\n'), LIMITS).document.operators.stepUpWindowSeconds).toBe(300);
    expect(loadPolicyFile(write('empty.yaml', '# nothing set\n'), LIMITS).document).toEqual(DEFAULT_POLICY);
  });

  it('names the file and the nested field of an invalid value', () => {
    const error = failure(write('policy.yaml', 'approvals:\n  windowSeconds: 30\n'));
    expect(error.message).toBe('policy.yaml: approvals.windowSeconds: must be at least 60');
    expect(error.errors).toEqual([{ field: 'approvals.windowSeconds', message: 'must be at least 60' }]);
    expect(error.source).toBe('policy.yaml');
  });

  it('lists every invalid field, with paths into records and arrays', () => {
    const error = failure(
      write(
        'policy.json',
        JSON.stringify({
          tokens: { audiences: { 'api.v1': { lifetimeSeconds: 1.5 } } },
          approvals: { requiredFor: ['keys.compromise', 'launch.missiles'] },
          operators: { maxFailedLogins: '5' },
        }),
      ),
    );
    expect(error.errors).toEqual([
      { field: 'tokens.audiences["api.v1"].lifetimeSeconds', message: 'must be a whole number' },
      { field: 'approvals.requiredFor[1]', message: expect.stringMatching(/^must be one of kill-switch\.engage, .*revocations\.sub, policy\.update, operators\.add-security-admin, .*operators\.reset-second-factor$/) },
      { field: 'operators.maxFailedLogins', message: 'must be a number' },
    ]);
    expect(error.message.split('\n')).toHaveLength(3);
  });

  it('refuses unknown fields, at the top and nested (a typo must not silently mean the default)', () => {
    const error = failure(write('policy.yaml', 'approvals:\n  windowSecs: 600\nretention: 30\n'));
    expect(error.errors).toEqual([
      { field: 'approvals.windowSecs', message: 'is not a known field' },
      { field: 'retention', message: 'is not a known field' },
    ]);
  });

  it('refuses an audience lifetime above the global access-token TTL', () => {
    const error = failure(write('policy.yaml', 'tokens:\n  audiences:\n    api: { lifetimeSeconds: 901 }\n'));
    expect(error.errors).toEqual([
      { field: 'tokens.audiences.api.lifetimeSeconds', message: expect.stringContaining('at most the access-token TTL (REVMESH_ACCESS_TOKEN_TTL_SECONDS = 900 s)') },
    ]);
    expect(loadPolicyFile(write('ok.yaml', 'tokens:\n  audiences:\n    api: { lifetimeSeconds: 900 }\n'), LIMITS).document.tokens.audiences['api']).toEqual({ lifetimeSeconds: 900 });
  });

  it('refuses a rotation period not longer than the pre-publish lead or the promotion gate timeout', () => {
    expect(failure(write('lead.yaml', 'rotation:\n  periodSeconds: 3600\n')).errors).toEqual([
      { field: 'rotation.periodSeconds', message: expect.stringContaining('longer than the pre-publish lead') },
    ]);
    const gate = failure(write('gate.yaml', 'rotation:\n  periodSeconds: 120\n'), { ...LIMITS, prepublishLeadMs: 0, promotionGateTimeoutMs: 120_000 });
    expect(gate.errors).toEqual([{ field: 'rotation.periodSeconds', message: expect.stringContaining('longer than the promotion gate timeout') }]);
  });

  it('reports syntax errors with their line, duplicate keys included', () => {
    expect(failure(write('bad.yaml', 'approvals:\n  windowSeconds: 600\napprovals:\n  windowSeconds: 900\n')).message).toMatch(
      /^bad\.yaml: \(syntax\): is not valid YAML: Map keys must be unique at line 3, column 1$/,
    );
    expect(failure(write('bad.json', '{"approvals": ')).message).toMatch(/^bad\.json: \(syntax\): is not valid JSON: /);
  });

  it('accepts the example policy (deploy/policy.example.yaml) with the default settings', () => {
    const example = join(__dirname, '..', '..', '..', '..', 'deploy', 'policy.example.yaml');
    const defaults: PolicyLimits = { accessTokenTtlSeconds: 300, prepublishLeadMs: 3_600_000, promotionGateTimeoutMs: 10_000 };
    const { document } = loadPolicyFile(example, defaults);
    // Only the fields marked "example" differ from the defaults.
    expect({
      ...document,
      tokens: DEFAULT_POLICY.tokens,
      rotation: DEFAULT_POLICY.rotation,
      owners: DEFAULT_POLICY.owners,
      tokenExchange: DEFAULT_POLICY.tokenExchange,
      introspection: DEFAULT_POLICY.introspection,
      comms: DEFAULT_POLICY.comms,
    }).toEqual(DEFAULT_POLICY);
    // The example's customers template and what-to-do are the defaults, written out.
    expect({ ...document.comms, webhooks: [] }).toEqual(DEFAULT_POLICY.comms);
    expect(document.comms.webhooks.map((w) => w.name)).toEqual(['eng-chat', 'status-page']);
    expect(document.tokenExchange.rules).toEqual([{ clients: ['orders-bff'], issuers: ['self', 'https://sso.example.com/realms/acme'], audiences: ['orders-api'] }]);
    // Deny by default: the example's rules are examples, the defaults allow nothing.
    expect([DEFAULT_POLICY.tokenExchange.rules, DEFAULT_POLICY.introspection.clients]).toEqual([[], []]);
    expect(document.rotation.periodSeconds).toBe(604_800);
  });

  it('inlines a message template given as a file relative to the policy file, and hashes it too', () => {
    mkdirSync(join(dir, 'comms'));
    const template = '**Notice** for {{audience}}: {{title}}\n';
    writeFileSync(join(dir, 'comms', 'customers.md'), template);
    const path = write('policy.yaml', 'comms:\n  templates:\n    customers: { file: comms/customers.md }\n');

    const loaded = loadPolicyFile(path, LIMITS);

    expect(loaded.document.comms.templates).toEqual({ ...DEFAULT_POLICY.comms.templates, customers: template });
    // Editing only the template is a new file version: the hash covers it.
    writeFileSync(join(dir, 'comms', 'customers.md'), `${template}Thank you.\n`);
    const edited = loadPolicyFile(path, LIMITS);
    expect(edited.document.comms.templates.customers).toBe(`${template}Thank you.\n`);
    expect(edited.sha256).not.toBe(loaded.sha256);
  });

  it('refuses a template file that is missing, outside the folder, or names an unknown placeholder, naming the file', () => {
    expect(failure(write('missing.yaml', 'comms:\n  templates:\n    customers: { file: comms/customers.md }\n')).message).toBe(
      `missing.yaml: comms.templates.customers: "comms/customers.md" does not exist (looked for ${join(dir, 'comms', 'customers.md')})`,
    );
    expect(failure(write('escape.yaml', 'comms:\n  templates:\n    security: { file: ../security.md }\n')).errors).toEqual([
      { field: 'comms.templates.security', message: '"../security.md" is outside the policy folder' },
    ]);
    writeFileSync(join(dir, 'engineers.md'), 'do {{whatTodo}}\n');
    const typo = failure(write('typo.yaml', 'comms:\n  templates:\n    engineers: { file: engineers.md }\n'));
    expect(typo.errors).toEqual([{ field: 'comms.templates.engineers', message: expect.stringMatching(/^from engineers\.md: names the unknown placeholder \{\{whatTodo\}\}; known placeholders: /) }]);
  });

  it('accepts the example policy repository (deploy/policy-repo: policy.yaml and a template file per audience)', () => {
    const repo = join(__dirname, '..', '..', '..', '..', 'deploy', 'policy-repo');
    const { document } = loadPolicyFile(join(repo, 'policy.yaml'), LIMITS);
    for (const audience of ['engineers', 'security', 'customers'] as const) {
      expect(document.comms.templates[audience]).toBe(readFileSync(join(repo, 'comms', `${audience}.md`), 'utf8'));
    }
    expect(document.comms.webhooks.map((w) => w.name)).toEqual(['eng-chat', 'status-page']);
  });

  it('refuses an unreadable file or an unknown extension, naming the file', () => {
    expect(failure(join(dir, 'missing.yaml')).message).toMatch(/^missing\.yaml: \(file\): cannot be read/);
    expect(failure(write('policy.toml', 'x = 1')).message).toBe('policy.toml: (file): must end in .yaml, .yml or .json');
  });
});
