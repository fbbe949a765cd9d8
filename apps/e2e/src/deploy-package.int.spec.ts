import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './support/authority-process';

const run = promisify(execFile);
const K8S = join(REPO_ROOT, 'deploy/k8s');
const MANIFESTS = ['authority.yaml', 'sidecar-example.yaml'].map((f) => join(K8S, f));
const DOCKERFILES = ['authority', 'demo-api', 'standalone-sidecar'].map((app) => join(REPO_ROOT, 'apps', app, 'Dockerfile'));
const HADOLINT = join(REPO_ROOT, '.venv/hadolint/bin/hadolint');

interface Checked {
  readonly file: string;
  readonly kind: string;
  readonly name: string;
  readonly errors: string[];
}

/** Runs the schema validator (kubernetes-models' JSON schemas, offline) on the files. */
async function validate(files: readonly string[]): Promise<Checked[]> {
  const result = await run(process.execPath, [join(REPO_ROOT, 'apps/e2e/tools/validate-k8s.mjs'), ...files]).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  return result.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Checked);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are untyped YAML here; their schema is checked by validate()
type Manifest = any;
const documents = (file: string): Manifest[] => parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as Manifest);
const find = (kind: string, name: string): Manifest => MANIFESTS.flatMap(documents).find((d) => d.kind === kind && d.metadata.name === name);

/** The deployable package (Dockerfiles, deploy/k8s) cannot rot: schema-valid, linted, and shaped as documented. */
describe('deployable package', () => {
  it('every Kubernetes manifest is valid against the Kubernetes schemas', async () => {
    const checked = await validate(MANIFESTS);
    expect(checked.map((c) => `${c.kind}/${c.name}`)).toEqual(expect.arrayContaining(['Deployment/revmesh-authority', 'PodDisruptionBudget/revmesh-authority', 'NetworkPolicy/revmesh-authority', 'Secret/revmesh-authority', 'Deployment/orders-api']));
    expect(checked.filter((c) => c.errors.length > 0)).toEqual([]);
  });

  it('the validator refuses a broken manifest (so a pass means something)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'revmesh-k8s-'));
    try {
      const broken = join(dir, 'broken.yaml');
      writeFileSync(broken, 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: x }\nspec: { replicas: "three", selector: {}, template: {} }\n---\napiVersion: v1\nkind: Gizmo\nmetadata: { name: y }\n');
      const checked = await validate([broken]);
      expect(checked.map((c) => c.errors.join('; '))).toEqual([expect.stringContaining('replicas must be integer'), 'unknown kind Gizmo in v1']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the authority runs 3 non-root replicas on a read-only root, probed on /health, secrets from a Secret, a PDB and a NetworkPolicy', () => {
    const deployment = find('Deployment', 'revmesh-authority');
    expect(deployment.spec.replicas).toBe(3);
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
    expect(container.livenessProbe.httpGet.path).toBe('/health');
    expect(container.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
    const fromSecret = Object.fromEntries(container.env.filter((e: Manifest) => e.valueFrom?.secretKeyRef).map((e: Manifest) => [e.name, e.valueFrom.secretKeyRef.name]));
    expect(fromSecret).toMatchObject({ REVMESH_KEK: 'revmesh-authority', REVMESH_DATABASE_URL: 'revmesh-authority' });
    expect(container.env.filter((e: Manifest) => /KEK|DATABASE_URL|TOKEN/.test(e.name) && e.value !== undefined)).toEqual([]);
    const labels = deployment.spec.template.metadata.labels;
    const selects = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
    expect(selects(find('PodDisruptionBudget', 'revmesh-authority').spec.selector.matchLabels)).toBe(true);
    expect(find('PodDisruptionBudget', 'revmesh-authority').spec.minAvailable).toBe(2);
    expect(selects(find('NetworkPolicy', 'revmesh-authority').spec.podSelector.matchLabels)).toBe(true);
  });

  it('the Dockerfiles pass hadolint', async () => {
    if (!existsSync(HADOLINT)) {
      const message = `hadolint is not installed at ${HADOLINT}: run bash tools/hadolint/install.sh`;
      if (process.env['CI'] === 'true') throw new Error(message);
      process.stdout.write(`SKIPPED: ${message}\n`);
      return;
    }
    for (const dockerfile of DOCKERFILES) {
      const text = readFileSync(dockerfile, 'utf8');
      expect(text).toMatch(/^FROM .+ AS build$/m);
      expect(text).toMatch(/^USER 1000:1000$/m);
      expect(text).toMatch(/^HEALTHCHECK /m);
      const result = await run(HADOLINT, ['--no-color', dockerfile]).then(
        (r) => ({ code: 0, out: r.stdout }),
        (error: { code?: number; stdout?: string }) => ({ code: error.code ?? 1, out: error.stdout ?? '' }),
      );
      expect({ dockerfile, ...result }).toEqual({ dockerfile, code: 0, out: '' });
    }
  });
});
