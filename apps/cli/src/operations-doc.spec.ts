import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { markdownCodeTexts } from './testing/markdown-code.spec-helper';
import { acksTopicSpec, alertsTopicSpec, auditTopicSpec, keysTopicSpec, revocationTopicSpec, snapshotTopicSpec, topicNames, type TopicSpec } from '@revmesh/contracts';

const ROOT = resolve(__dirname, '..', '..', '..');
const PAGE = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const SCRIPTS = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/** `npm run <script> [-- flags]` invocations. */
const npmRuns = markdownCodeTexts(PAGE).flatMap((text) => [...text.matchAll(/npm run ([\w:-]+)((?: -- [^`]*)?)/g)].map((m) => ({ script: m[1]!, args: (m[2] ?? '').replace(/^ -- /, '') })));

/** GitHub's anchor of a heading. */
const slug = (heading: string) => heading.trim().toLowerCase().replace(/[^\w\s-]/g, '').replace(/\s/g, '-');

/** The page's topic table: topic → partitions, cleanup.policy, retention.ms and the other settings named. */
function topicTable(): Map<string, { partitions: number; cells: string[] }> {
  const rows = new Map<string, { partitions: number; cells: string[] }>();
  for (const line of PAGE.split('\n')) {
    const m = /^\| `<prefix>([a-z]+\.v1)` \| (\d+) \| (.*)$/.exec(line);
    if (m) rows.set(m[1]!, { partitions: Number(m[2]), cells: m[3]!.split(' | ') });
  }
  return rows;
}

describe('docs/operations.md', () => {
  it('is linked from the README', () => {
    expect(README).toContain('(docs/operations.md)');
  });

  it.each(npmRuns.map((r) => [`npm run ${r.script} ${r.args}`.trim(), r]))('%s: the script exists, and its program takes the flags shown', (_, run) => {
    const body = SCRIPTS[run.script];
    expect(body).toBeDefined();
    const program = /^node (apps\/[\w-]+)\/dist\/([\w-]+)\.js$/.exec(body!);
    const flags = [...run.args.matchAll(/(?:^|\s)(--[a-z][\w-]*)/g)].map((m) => m[1]!);
    if (program !== null) {
      // The program and the modules of its own folder it imports (shared argument reading).
      const dir = join(ROOT, program[1]!, 'src');
      const main = readFileSync(join(dir, `${program[2]!}.ts`), 'utf8');
      const source = [main, ...[...main.matchAll(/from '\.\/([\w-]+)'/g)].map((m) => readFileSync(join(dir, `${m[1]!}.ts`), 'utf8'))].join('\n');
      for (const flag of flags) expect({ flag, known: source.includes(`'${flag}'`) }).toEqual({ flag, known: true });
    } else if (run.script === 'bench') {
      const scenarios = readdirSync(join(ROOT, 'bench', 'scenarios')).flatMap((f) => [...readFileSync(join(ROOT, 'bench', 'scenarios', f), 'utf8').matchAll(/name: '([\w-]+)'/g)].map((m) => m[1]!));
      const only = /--only ([\w,-]+)/.exec(run.args)?.[1]?.split(',') ?? [];
      expect(only.filter((name) => !scenarios.includes(name))).toEqual([]);
    }
  });

  it('names only files that exist', () => {
    const paths = markdownCodeTexts(PAGE).flatMap((text) => [...text.matchAll(/(?:^|\s|node |bash )((?:apps|libs|bench|deploy|docs)\/[\w./-]+\.(?:ts|js|sh|md))/g)].map((m) => m[1]!));
    expect(paths.length).toBeGreaterThan(5);
    expect(paths.filter((p) => !existsSync(join(ROOT, p)))).toEqual([]);
  });

  it('links only README sections that exist', () => {
    const anchors = new Set(README.split('\n').filter((l) => /^#{1,4} /.test(l)).map((l) => slug(l.replace(/^#+ /, ''))));
    const links = [...PAGE.matchAll(/\]\(\.\.\/README\.md#([\w-]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(3);
    expect(links.filter((a) => !anchors.has(a))).toEqual([]);
  });

  it('names only configuration variables the README documents', () => {
    const variables = [...new Set([...PAGE.matchAll(/\b((?:REVMESH|KAFKA)_[A-Z_]+)\b/g)].map((m) => m[1]!))];
    expect(variables.filter((v) => !README.includes(`\`${v}\``))).toEqual([]);
  });

  it('gives every topic the partitions and settings the authority creates it with', () => {
    const names = topicNames('');
    const specs: TopicSpec[] = [
      revocationTopicSpec(names.revocations),
      keysTopicSpec(names.keys),
      snapshotTopicSpec(names.snapshots),
      acksTopicSpec(names.acks),
      alertsTopicSpec(names.alerts),
      auditTopicSpec(names.audit),
    ];
    const table = topicTable();
    expect([...table.keys()].sort()).toEqual(specs.map((s) => s.topic).sort());
    for (const spec of specs) {
      const row = table.get(spec.topic)!;
      const [cleanup, retention, others] = row.cells;
      const { 'cleanup.policy': policy, 'retention.ms': retentionMs, 'message.timestamp.type': _timestamps, ...rest } = spec.configEntries;
      expect({ topic: spec.topic, partitions: row.partitions, cleanup, retention: retention!.split(' ')[0] }).toEqual({
        topic: spec.topic,
        partitions: spec.numPartitions,
        cleanup: `\`${policy!}\``,
        retention: retentionMs ?? '—',
      });
      for (const [name, value] of Object.entries(rest)) expect({ topic: spec.topic, setting: others!.includes(`\`${name}\` ${value}`) }).toEqual({ topic: spec.topic, setting: true });
    }
  });
});
