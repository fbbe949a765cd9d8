import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linksInto, readmeBlock } from './consumer-project';

describe('linksInto', () => {
  let base: string;
  beforeEach(() => (base = realpathSync(mkdtempSync(join(tmpdir(), 'links-into-')))));
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('finds links into the root at any depth, and only those', () => {
    const root = join(base, 'repo');
    const elsewhere = join(base, 'elsewhere');
    const scanned = join(base, 'project', 'node_modules');
    mkdirSync(join(root, 'libs', 'sidecar'), { recursive: true });
    mkdirSync(elsewhere);
    mkdirSync(join(scanned, '@revmesh'), { recursive: true });
    writeFileSync(join(scanned, 'real.js'), '');
    symlinkSync(join(root, 'libs', 'sidecar'), join(scanned, '@revmesh', 'sidecar'));
    symlinkSync(elsewhere, join(scanned, 'other'));
    symlinkSync(join(base, 'missing'), join(scanned, 'dangling'));

    expect(linksInto(scanned, root)).toEqual([`${join(scanned, '@revmesh', 'sidecar')} -> ${join(root, 'libs', 'sidecar')}`]);
    expect(linksInto(scanned, elsewhere)).toEqual([`${join(scanned, 'other')} -> ${elsewhere}`]);
    mkdirSync(join(base, 'repo-other'));
    expect(linksInto(scanned, join(base, 'repo-other'))).toEqual([]);
  });
});

describe('readmeBlock', () => {
  it('returns the sidecar section\'s first TypeScript block, which creates a sidecar', () => {
    const block = readmeBlock('## Using the sidecar');
    expect(block).toContain("from '@revmesh/sidecar'");
    expect(block).toContain('createSidecar(');
    expect(block.endsWith('\n')).toBe(true);
  });

  it('names a missing section', () => {
    expect(() => readmeBlock('## No such section')).toThrow('README.md has no section "## No such section"');
  });
});
