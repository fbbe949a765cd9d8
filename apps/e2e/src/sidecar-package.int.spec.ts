import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startServiceProcess, type ServiceProcess } from '@revmesh/test-support';
import { claimsOf, REPO_ROOT, revoke, startAuthority, type AuthorityHandle } from './support/authority-process';
import { loginCliAsAdmin, runRevmesh } from './support/cli-process';
import { linksInto, packSidecar, readmeBlock, runIn, scratchFolder, writeTsconfig } from './support/consumer-project';
import { eventually, uniquePrefix } from './support/wait';

/**
 * @revmesh/sidecar as a backend team gets it: `npm run pack:sidecar`, `npm install <tarball>` into
 * a project outside this repository, compiled under the module resolutions users have, and three
 * services (the README's example verbatim, Express, NestJS) run against the real authority and broker.
 */

/** What the scratch project installs besides the tarball, at exact versions. */
const CONSUMER_DEPENDENCIES = [
  'express@5.2.1',
  'fastify@5.11.3',
  '@nestjs/common@11.2.10',
  '@nestjs/core@11.2.10',
  '@nestjs/platform-express@11.2.10',
  'reflect-metadata@0.2.2',
  'rxjs@7.8.2',
  '@types/express@5.0.6',
  '@types/node@20.19.43',
  'typescript@5.9.3',
];
const FIXTURES = join(REPO_ROOT, 'apps/e2e/consumer');
const APP_SOURCES = ['readme-server.ts', 'readme-main.ts', 'express-server.cts', 'nest-server.cts', 'types-check.ts'];
const STRICT = { target: 'es2022', strict: true, esModuleInterop: true, skipLibCheck: false, types: ['node'], experimentalDecorators: true, emitDecoratorMetadata: true };
const AUDIENCE = 'orders-api';

interface RunningApp {
  readonly name: string;
  readonly url: string;
  readonly process: ServiceProcess;
}

describe('the packed @revmesh/sidecar in a project outside the repository', () => {
  let project: string;
  let tarball: string;
  let authority: AuthorityHandle;
  let cliConfig: string;
  const apps: RunningApp[] = [];

  beforeAll(async () => {
    project = scratchFolder('revmesh-sidecar-consumer-');
    cliConfig = scratchFolder('revmesh-sidecar-consumer-cli-');
    const installed = (async () => {
      tarball = await packSidecar();
      writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'revmesh-sidecar-consumer', private: true, type: 'module' }, null, 2)}\n`);
      await runIn(project, 'npm', ['install', '--no-audit', '--no-fund', '--save-exact', tarball, ...CONSUMER_DEPENDENCIES]);
    })();
    // The security-admin logs the CLI in meanwhile, as the README's walkthrough does.
    const started = startAuthority({ brokers: process.env['KAFKA_BROKERS']!, topicPrefix: uniquePrefix('sidecar-package') }).then(async (a) => {
      authority = a;
      await loginCliAsAdmin(a, cliConfig);
    });
    await Promise.all([installed, started]);

    mkdirSync(join(project, 'src'));
    for (const file of APP_SOURCES.filter((f) => f !== 'readme-server.ts')) copyFileSync(join(FIXTURES, file), join(project, 'src', file));
    writeFileSync(join(project, 'src', 'readme-server.ts'), readmeBlock('## Using the sidecar'));
    const build = writeTsconfig(project, 'nodenext', { ...STRICT, module: 'nodenext', moduleResolution: 'nodenext', rootDir: 'src', outDir: 'dist' }, APP_SOURCES.map((f) => `src/${f}`));
    await runIn(project, process.execPath, ['node_modules/typescript/bin/tsc', '-p', build]);
  }, 600_000);

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.process.stop()));
    await authority?.process.stop();
    for (const dir of [project, cliConfig]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('installs from the one tarball: contracts and transport bundled, no symlink into the repository, no specs or test helpers', () => {
    const installed = join(project, 'node_modules/@revmesh/sidecar');
    expect(lstatSync(installed).isSymbolicLink()).toBe(false);
    expect(existsSync(join(installed, 'node_modules/@revmesh/contracts/dist/index.js'))).toBe(true);
    expect(existsSync(join(installed, 'node_modules/@revmesh/transport/dist/index.js'))).toBe(true);
    expect(existsSync(join(project, 'node_modules/@revmesh/test-support'))).toBe(false);
    expect(linksInto(join(project, 'node_modules'), REPO_ROOT)).toEqual([]);
    const shipped = readdirSync(installed, { recursive: true }).map(String);
    expect(shipped.filter((f) => /\.spec\.|spec-helper|(^|\/)testing\/|\.tsbuildinfo$/.test(f))).toEqual([]);
    expect(readdirSync(join(REPO_ROOT, 'dist/packages')).filter((f) => f.startsWith('revmesh-sidecar-'))).toEqual([tarball.split('/').pop()]);
  });

  it('gives ESM importers the same named exports as CommonJS require, for every entry point', async () => {
    const entries = ['@revmesh/sidecar', '@revmesh/sidecar/express', '@revmesh/sidecar/fastify', '@revmesh/sidecar/nest'];
    const script = `
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      const report = {};
      for (const entry of ${JSON.stringify(entries)}) {
        const esm = Object.keys(await import(entry)).filter((k) => !['default', 'module.exports', '__esModule'].includes(k)).sort();
        report[entry] = { esm, cjs: Object.keys(require(entry)).filter((k) => k !== '__esModule').sort() };
      }
      process.stdout.write(JSON.stringify(report));`;
    const { stdout } = await runIn(project, process.execPath, ['--input-type=module', '-e', script]);
    const report = JSON.parse(stdout) as Record<string, { esm: string[]; cjs: string[] }>;
    for (const entry of entries) {
      expect(report[entry]!.cjs.length).toBeGreaterThan(0);
      expect(report[entry]!.esm).toEqual(report[entry]!.cjs);
    }
    expect(report['@revmesh/sidecar']!.esm).toEqual(expect.arrayContaining(['createSidecar', 'toHttpRejection', 'SIDECAR_DEFAULTS']));
  });

  it.each([
    ['node16', { module: 'node16', moduleResolution: 'node16' }, APP_SOURCES],
    ['bundler', { module: 'esnext', moduleResolution: 'bundler' }, ['readme-server.ts', 'types-check.ts']],
    ['node10', { module: 'commonjs', moduleResolution: 'node10' }, ['types-check.ts']],
  ])('type-checks under moduleResolution %s (nodenext compiled the apps)', async (name, resolution, files) => {
    const config = writeTsconfig(project, name, { ...STRICT, ...resolution, noEmit: true }, files.map((f) => `src/${f}`));
    await expect(runIn(project, process.execPath, ['node_modules/typescript/bin/tsc', '-p', config])).resolves.toBeDefined();
  }, 300_000);

  it('runs the README example (ESM), an Express and a NestJS app (CommonJS): token accepted, revoked by jti, then TOKEN_REVOKED', async () => {
    // The trust anchor and the client, with the CLI commands of the README's walkthrough.
    const pin = await runRevmesh(['--authority', authority.url, 'event-signers', 'pin'], cliConfig);
    expect(pin).toMatchObject({ code: 0, stderr: expect.stringContaining('trust on first use') });
    const added = await runRevmesh(['--json', 'clients', 'add', 'orders-web', '--audience', AUDIENCE, '-j', 'consumer test: the orders web app calls the orders API'], cliConfig);
    expect(added).toMatchObject({ code: 0 });
    const registered = JSON.parse(added.stdout) as { client_id: string; client_secret: string; audiences: string[] };
    expect(registered).toMatchObject({ client_id: 'orders-web', audiences: [AUDIENCE] });
    const secret = registered.client_secret;

    for (const [name, main, readyLine] of [
      ['readme-fastify', 'dist/readme-main.js', /readme example listening on/],
      ['express', 'dist/express-server.cjs', /express listening on/],
      ['nest', 'dist/nest-server.cjs', /nest listening on/],
    ] as const) {
      const port = await freePort();
      const child = await startServiceProcess({
        name,
        command: process.execPath,
        args: [join(project, main)],
        cwd: project,
        env: {
          PATH: process.env['PATH'],
          PORT: String(port),
          KAFKA_BROKERS: authority.env['KAFKA_BROKERS'],
          REVMESH_ISSUER: authority.url,
          REVMESH_TOPIC_PREFIX: authority.env['REVMESH_TOPIC_PREFIX'],
          REVMESH_EVENT_SIGNERS: pin.stdout.trim(),
        },
        readyLine,
        readyTimeoutMs: 60_000,
      });
      apps.push({ name, url: `http://127.0.0.1:${port}/orders`, process: child });
    }

    const token = await clientToken(authority.url, 'orders-web', secret);
    const other = await clientToken(authority.url, 'orders-web', secret);
    expect(claimsOf(token)['aud']).toEqual(AUDIENCE);
    for (const app of apps) {
      expect(await get(app.url, token)).toMatchObject({ status: 200, body: { orders: [] } });
      expect(await get(app.url)).toMatchObject({ status: 401 });
    }
    expect((await get(apps[1]!.url, token)).body).toEqual({ orders: [], sub: claimsOf(token)['sub'] });
    // Each framework's drill probe says which instance accepted the token, as a drill reads it.
    const probeOf = (app: (typeof apps)[number]) => app.url.replace(/\/orders$/, '/_revmesh/probe');
    for (const app of apps) {
      expect({ app: app.name, ...(await get(probeOf(app), token)) }).toMatchObject({
        app: app.name,
        status: 200,
        body: { accepted: true, instance_id: expect.any(String), sub: claimsOf(token)['sub'], scope: claimsOf(token)['scope'] ?? null },
      });
    }

    const revocation = await revoke(authority, 'jti', String(claimsOf(token)['jti']));
    expect(revocation.status).toBe(202);
    for (const app of apps) {
      await eventually(`${app.name} rejects the revoked token`, async () => (await get(app.url, token)).status === 401);
      expect(await get(app.url, token)).toMatchObject({ status: 401, body: { code: 'TOKEN_REVOKED', status: 401 } });
      expect({ app: app.name, ...(await get(probeOf(app), token)) }).toMatchObject({ app: app.name, status: 401 });
      expect(await get(app.url, other)).toMatchObject({ status: 200 });
    }
  }, 180_000);
});

/** An access token of a client (client_credentials, HTTP Basic). */
async function clientToken(issuer: string, clientId: string, secret: string): Promise<string> {
  const response = await fetch(`${issuer}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
    body: 'grant_type=client_credentials',
  });
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`token request failed: ${response.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

/** GET with an optional bearer token; the body parsed as JSON. */
async function get(url: string, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
