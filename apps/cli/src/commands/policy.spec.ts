import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { problem } from '../testing/fake-authority.spec-helper';
import { loggedInFixture, type LoggedInFixture } from '../testing/run-cli.spec-helper';

const J = 'two-person rule for subject revocations, SEC-12';
const current = {
  version: 3,
  policy: { approvals: { requiredFor: ['kill-switch.engage', 'revocations.sub'], windowSeconds: 3600 }, justification: { minLength: 10 } },
  updatedAt: '2026-11-27T01:00:00.000Z',
  updatedBy: { kind: 'operator', id: 'alice' },
  source: 'api',
};

describe('revmesh policy', () => {
  let f: LoggedInFixture;
  beforeEach(async () => {
    f = await loggedInFixture();
    f.authority.on('PUT', '/v1/policy', (request) => ({ status: 200, body: { ...current, version: 4, policy: (request.body as { policy: unknown }).policy } }));
  });
  afterEach(() => f.close());

  it('show: metadata, then the document as YAML; --json as sent', async () => {
    f.authority.on('GET', '/v1/policy', { status: 200, body: current });
    const run = await f.run(['policy', 'show']);
    const json = await f.run(['--json', 'policy', 'show']);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^version +3$/m);
    expect(run.stdout).toMatch(/^updated by +alice \(operator\)$/m);
    expect(run.stdout).toContain('approvals:\n  requiredFor:\n    - kill-switch.engage\n    - revocations.sub\n  windowSeconds: 3600\n');
    expect(JSON.parse(json.stdout)).toEqual(current);
  });

  it('changelog: a table of versions', async () => {
    f.authority.on('GET', '/v1/policy/changelog', {
      status: 200,
      body: {
        versions: [
          {
            version: 2,
            at: '2026-11-26T00:00:00.000Z',
            actor: { kind: 'system', id: 'policy-file' },
            justification: null,
            source: 'file',
            changes: [
              { field: 'approvals.windowSeconds', old: null, new: 7200 },
              { field: 'justification.minLength', old: 10, new: 20 },
            ],
          },
        ],
      },
    });
    const run = await f.run(['policy', 'changelog']);
    expect(run.stdout).toMatch(/^VERSION +AT +ACTOR +SOURCE +JUSTIFICATION +CHANGES$/m);
    expect(run.stdout).toMatch(
      /^2 +2026-11-26T00:00:00\.000Z +policy-file \(system\) +file +- +approvals\.windowSeconds: default → 7200; justification\.minLength: 10 → 20$/m,
    );
  });

  it('apply --file policy.yaml: PUT {policy, justification} with the parsed document', async () => {
    const file = join(f.configDir, 'policy.yaml');
    writeFileSync(file, 'approvals:\n  requiredFor: [kill-switch.engage, revocations.sub]\njustification:\n  minLength: 20\n');
    const run = await f.run(['policy', 'apply', '--file', file, '-j', J]);

    expect(run.code).toBe(0);
    expect(f.authority.requests[0]).toMatchObject({
      method: 'PUT',
      path: '/v1/policy',
      body: { policy: { approvals: { requiredFor: ['kill-switch.engage', 'revocations.sub'] }, justification: { minLength: 20 } }, justification: J },
    });
    expect(run.stdout).toMatch(/^Policy applied\.\nversion +4$/m);
  });

  it('apply accepts JSON, and the output of policy show --json', async () => {
    const file = join(f.configDir, 'policy.json');
    writeFileSync(file, JSON.stringify(current));
    const run = await f.run(['policy', 'apply', '-f', file, '-j', J]);
    expect(run.code).toBe(0);
    expect((f.authority.requests[0]!.body as { policy: unknown }).policy).toEqual(current.policy);
  });

  it('apply: the authority names each invalid field (exit 1)', async () => {
    f.authority.on(
      'PUT',
      '/v1/policy',
      problem(422, 'POLICY_INVALID', 'Invalid policy', 'the policy is invalid', [{ field: 'justification.minLength', message: 'must be at most 500' }]),
    );
    const file = join(f.configDir, 'policy.yaml');
    writeFileSync(file, 'justification:\n  minLength: 9000\n');
    const run = await f.run(['policy', 'apply', '--file', file, '-j', J]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('revmesh: Invalid policy: the policy is invalid (code POLICY_INVALID)\n  justification.minLength: must be at most 500\n');
  });

  it.each([
    ['broken YAML', 'policy.yaml', 'approvals: [unclosed\n', /is not valid YAML/],
    ['broken JSON', 'policy.json', '{"approvals":', /is not valid JSON/],
    ['a list', 'policy.yaml', '- a\n- b\n', /must hold a mapping \(the policy document\), not a list/],
  ])('apply: %s is a usage error and sends nothing', async (_name, name, content, message) => {
    const file = join(f.configDir, name);
    writeFileSync(file, content);
    const run = await f.run(['policy', 'apply', '--file', file, '-j', J]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(f.authority.requests).toHaveLength(0);
  });

  it('apply: a missing file or justification is a usage error', async () => {
    const missing = await f.run(['policy', 'apply', '--file', join(f.configDir, 'nope.yaml'), '-j', J]);
    const file = join(f.configDir, 'p.yaml');
    writeFileSync(file, '{}\n');
    const unjustified = await f.run(['policy', 'apply', '--file', file]);
    const unnamed = await f.run(['policy', 'apply', '-j', J]);
    const twice = await f.run(['policy', 'apply', file, '--file', join(f.configDir, 'other.yaml'), '-j', J]);
    expect(missing.code).toBe(2);
    expect(unjustified.code).toBe(2);
    expect([unnamed.code, unnamed.stderr]).toEqual([2, expect.stringContaining('name the policy file: revmesh policy apply <file> (or --file <file>)')]);
    expect([twice.code, twice.stderr]).toEqual([2, expect.stringContaining('give the policy file once')]);
    expect(f.authority.requests).toHaveLength(0);
  });
  it('apply: message templates given as files beside the policy are sent as their text', async () => {
    const repo = join(f.configDir, 'policy-repo');
    mkdirSync(join(repo, 'comms'), { recursive: true });
    writeFileSync(join(repo, 'comms', 'customers.md'), '**Notice**: {{title}}\n');
    writeFileSync(join(repo, 'policy.yaml'), 'comms:\n  templates:\n    customers: { file: comms/customers.md }\n    engineers: inline {{owner}}\n');
    const run = await f.run(['policy', 'apply', '--file', join(repo, 'policy.yaml'), '-j', J]);

    expect(run.code).toBe(0);
    expect((f.authority.requests[0]!.body as { policy: unknown }).policy).toEqual({
      comms: { templates: { customers: '**Notice**: {{title}}\n', engineers: 'inline {{owner}}' } },
    });
  });

  it('apply: the example policy repository (deploy/policy-repo) is sent with its three templates inlined', async () => {
    const repo = join(__dirname, '..', '..', '..', '..', 'deploy', 'policy-repo');
    const run = await f.run(['policy', 'apply', join(repo, 'policy.yaml'), '-j', J]);
    expect(run.code).toBe(0);
    const sent = (f.authority.requests[0]!.body as { policy: { comms: { templates: Record<string, unknown> } } }).policy;
    expect(sent.comms.templates).toEqual(
      Object.fromEntries(['engineers', 'security', 'customers'].map((a) => [a, readFileSync(join(repo, 'comms', `${a}.md`), 'utf8')])),
    );
  });

  it.each([
    ['a missing template file', 'comms/customers.md', /policy\.yaml: comms\.templates\.customers: "comms\/customers\.md" does not exist/],
    ['a template outside the policy folder', '../customers.md', /comms\.templates\.customers: "\.\.\/customers\.md" is outside the policy folder/],
    ['a template that is not .md', 'customers.txt', /"customers\.txt" is not a Markdown file/],
  ])('apply: %s is a usage error and sends nothing', async (_name, reference, message) => {
    const repo = join(f.configDir, 'repo');
    mkdirSync(repo, { recursive: true });
    writeFileSync(join(f.configDir, 'customers.md'), 'outside');
    writeFileSync(join(repo, 'customers.txt'), 'text');
    writeFileSync(join(repo, 'policy.yaml'), `comms:\n  templates:\n    customers: { file: ${JSON.stringify(reference)} }\n`);
    const run = await f.run(['policy', 'apply', '--file', join(repo, 'policy.yaml'), '-j', J]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(f.authority.requests).toHaveLength(0);
  });

  it("apply: the authority's error about a template read from a file names the file", async () => {
    f.authority.on(
      'PUT',
      '/v1/policy',
      problem(422, 'POLICY_INVALID', 'Invalid policy', 'the policy is invalid', [
        { field: 'comms.templates.customers', message: 'names the unknown placeholder {{whatTodo}}' },
        { field: 'justification.minLength', message: 'must be at most 500' },
      ]),
    );
    writeFileSync(join(f.configDir, 'customers.md'), 'do {{whatTodo}}\n');
    const file = join(f.configDir, 'policy.yaml');
    writeFileSync(file, 'justification:\n  minLength: 9000\ncomms:\n  templates:\n    customers: { file: customers.md }\n');
    const run = await f.run(['policy', 'apply', '--file', file, '-j', J]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'revmesh: Invalid policy: the policy is invalid (code POLICY_INVALID)\n' +
        '  comms.templates.customers: from customers.md: names the unknown placeholder {{whatTodo}}\n' +
        '  justification.minLength: must be at most 500\n',
    );
  });
});
