import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_COMMS_TEMPLATE_LENGTH, nameTemplateFiles, PolicyTemplateFileError, resolvePolicyTemplateFiles } from './policy-template-files';

describe('policy template files', () => {
  let root: string;
  let repo: string;
  let policy: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'revmesh-template-files-'));
    repo = join(root, 'repo');
    mkdirSync(join(repo, 'comms'), { recursive: true });
    policy = join(repo, 'policy.yaml');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const write = (path: string, text: string): void => writeFileSync(join(repo, path), text);
  const withTemplate = (customers: unknown): unknown => ({ approvals: { windowSeconds: 600 }, comms: { templates: { customers }, webhooks: [] } });
  /** The error resolving `customers` throws (fails the test when it resolves). */
  const refusal = (customers: unknown): PolicyTemplateFileError => {
    try {
      resolvePolicyTemplateFiles(withTemplate(customers), policy);
    } catch (error) {
      if (error instanceof PolicyTemplateFileError) return error;
      throw error;
    }
    throw new Error('expected the template file to be refused');
  };

  it('inlines each file relative to the policy file, leaves inline templates and the input as they are', () => {
    write('comms/customers.md', '**Notice** {{title}}\n');
    write('comms/engineers.md', 'eng {{incidentId}}\n');
    const input = { approvals: { windowSeconds: 600 }, comms: { templates: { customers: { file: 'comms/customers.md' }, engineers: { file: './comms/engineers.md' }, security: 'inline {{owner}}' } } };
    const before = structuredClone(input);

    const { document, files } = resolvePolicyTemplateFiles(input, policy);

    expect(document).toEqual({
      approvals: { windowSeconds: 600 },
      comms: { templates: { customers: '**Notice** {{title}}\n', engineers: 'eng {{incidentId}}\n', security: 'inline {{owner}}' } },
    });
    expect(files).toEqual([
      { field: 'comms.templates.customers', file: 'comms/customers.md', text: '**Notice** {{title}}\n' },
      { field: 'comms.templates.engineers', file: './comms/engineers.md', text: 'eng {{incidentId}}\n' },
    ]);
    expect(input).toEqual(before);
  });

  it('returns a document without references unchanged', () => {
    const input = { comms: { templates: { customers: 'hello' } } };
    expect(resolvePolicyTemplateFiles(input, policy)).toEqual({ document: input, files: [] });
    expect(resolvePolicyTemplateFiles({}, policy)).toEqual({ document: {}, files: [] });
    expect(resolvePolicyTemplateFiles(null, policy)).toEqual({ document: null, files: [] });
  });

  it('refuses a missing file, naming it', () => {
    const error = refusal({ file: 'comms/custmers.md' });
    expect(error.field).toBe('comms.templates.customers');
    expect(error.message).toBe(`comms.templates.customers: "comms/custmers.md" does not exist (looked for ${join(repo, 'comms', 'custmers.md')})`);
  });

  it('refuses a path leaving the policy folder: .., absolute, or a symbolic link', () => {
    write('comms/customers.md', 'x');
    writeFileSync(join(root, 'outside.md'), 'secret');
    expect(refusal({ file: '../outside.md' }).message).toBe('comms.templates.customers: "../outside.md" is outside the policy folder');
    expect(refusal({ file: 'comms/../../outside.md' }).message).toBe('comms.templates.customers: "comms/../../outside.md" is outside the policy folder');
    expect(refusal({ file: join(repo, 'comms', 'customers.md') }).message).toMatch(/ is absolute: give a path relative to the policy file$/);
    expect(refusal({ file: 'C:\\repo\\customers.md' }).message).toMatch(/ is absolute/);
    symlinkSync(join(root, 'outside.md'), join(repo, 'comms', 'link.md'));
    expect(refusal({ file: 'comms/link.md' }).message).toBe('comms.templates.customers: "comms/link.md" leads outside the policy folder (a symbolic link)');
  });

  it('refuses a file that is not Markdown (.md), a folder, and a malformed reference', () => {
    write('comms/customers.txt', 'x');
    expect(refusal({ file: 'comms/customers.txt' }).message).toBe('comms.templates.customers: "comms/customers.txt" is not a Markdown file: template files end in .md');
    mkdirSync(join(repo, 'comms', 'dir.md'));
    expect(refusal({ file: 'comms/dir.md' }).message).toBe('comms.templates.customers: "comms/dir.md" is not a regular file');
    expect(refusal({ file: '' }).message).toMatch(/is empty/);
    expect(refusal({ file: 'comms/customers.md', extra: 1 }).message).toBe('comms.templates.customers: must be the template text or { file: <path of a .md file beside the policy> }');
    expect(refusal({ path: 'comms/customers.md' }).reason).toMatch(/^must be the template text or/);
  });

  it('refuses a file longer than the template limit, and takes one at the limit', () => {
    write('comms/long.md', 'é'.repeat(MAX_COMMS_TEMPLATE_LENGTH + 1));
    expect(refusal({ file: 'comms/long.md' }).message).toBe(
      `comms.templates.customers: "comms/long.md" is too long (${MAX_COMMS_TEMPLATE_LENGTH + 1} characters): a template is at most ${MAX_COMMS_TEMPLATE_LENGTH}`,
    );
    write('comms/huge.md', 'x'.repeat(MAX_COMMS_TEMPLATE_LENGTH * 4 + 1));
    expect(refusal({ file: 'comms/huge.md' }).message).toMatch(/"comms\/huge\.md" is too long \(80001 bytes\)/);
    write('comms/full.md', 'é'.repeat(MAX_COMMS_TEMPLATE_LENGTH));
    const { files } = resolvePolicyTemplateFiles(withTemplate({ file: 'comms/full.md' }), policy);
    expect(files[0]?.text).toHaveLength(MAX_COMMS_TEMPLATE_LENGTH);
  });

  it('names the file in the field errors about a template read from it', () => {
    const files = [{ field: 'comms.templates.customers', file: 'comms/customers.md', text: '{{whatTodo}}' }];
    expect(
      nameTemplateFiles(
        [
          { field: 'comms.templates.customers', message: 'names the unknown placeholder {{whatTodo}}' },
          { field: 'approvals.windowSeconds', message: 'must be at least 60' },
        ],
        files,
      ),
    ).toEqual([
      { field: 'comms.templates.customers', message: 'from comms/customers.md: names the unknown placeholder {{whatTodo}}' },
      { field: 'approvals.windowSeconds', message: 'must be at least 60' },
    ]);
  });
});
