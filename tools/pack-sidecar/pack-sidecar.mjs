#!/usr/bin/env node
// @ts-check
/**
 * `npm run pack:sidecar`: writes ONE installable tarball of @revmesh/sidecar to dist/packages/.
 *
 * Why one tarball with @revmesh/contracts and @revmesh/transport bundled (bundleDependencies)
 * instead of three packages: they are internal code of the sidecar, not APIs of their own, and
 * are always released with it at the same version; a service installs one file and can never
 * pair a sidecar with a contracts package of another release. Their own runtime dependencies
 * (jose, zod, kafkajs, ...) are declared by the sidecar at the exact versions the monorepo
 * uses, so npm installs them once, from the registry, next to the sidecar. @opentelemetry/api
 * stays a peer dependency, and not an optional one: the sidecar calls it at run time, and the
 * service's single copy is the one its OpenTelemetry SDK registers with.
 *
 * Steps: compile the three libraries afresh into a staging folder (no stale files, no source
 * maps, no specs, no test helpers), write their package.json files, `npm pack`, check what the
 * tarball holds.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT_DIR = join(ROOT, 'dist', 'packages');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
/** Workspace libraries shipped inside the sidecar's tarball, under its node_modules. */
const BUNDLED = ['contracts', 'transport'];

/** @param {string} path */
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
/** @param {string} path @param {unknown} value */
const writeJson = (path, value) => writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
/** @param {string} message @returns {never} */
const fail = (message) => {
  process.stderr.write(`pack:sidecar: ${message}\n`);
  process.exit(1);
};

/**
 * Runs a command with its output shown; a failure ends the script with one line (the command's
 * own output above says why).
 * @param {string} command @param {string[]} args @param {import('node:child_process').ExecFileSyncOptions} [options]
 */
function run(command, args, options = { stdio: 'inherit' }) {
  try {
    return execFileSync(command, args, options);
  } catch {
    return fail(`${[command, ...args].map((a) => a.replace(ROOT + '/', '')).join(' ')} failed`);
  }
}

/**
 * Compiles libs/<name> into <target>/dist: declarations, JavaScript, nothing else. Its
 * references must be built already (`tsc -b` below), for their declarations.
 * @param {string} name @param {string} target @param {string} scratch
 */
function compile(name, target, scratch) {
  run(
    process.execPath,
    [TSC, '-p', join(ROOT, 'libs', name, 'tsconfig.json'), '--outDir', join(target, 'dist'), '--tsBuildInfoFile', join(scratch, `${name}.tsbuildinfo`), '--sourceMap', 'false', '--declarationMap', 'false'],
  );
}

/**
 * The package.json of a library as shipped: no workspace-only fields.
 * @param {string} name @param {Record<string, unknown>} extra
 */
function shippedManifest(name, extra) {
  const manifest = readJson(join(ROOT, 'libs', name, 'package.json'));
  for (const workspaceOnly of ['private', 'devDependencies', 'scripts']) delete manifest[workspaceOnly];
  return { ...manifest, ...extra };
}

/**
 * Runtime dependencies of the bundled libraries that come from the registry, checked against
 * the sidecar's own: one version of each.
 * @param {Record<string, string>} own
 */
function registryDependencies(own) {
  /** @type {Record<string, string>} */
  const all = { ...own };
  for (const name of BUNDLED) {
    for (const [dep, version] of Object.entries(readJson(join(ROOT, 'libs', name, 'package.json')).dependencies ?? {})) {
      if (dep.startsWith('@revmesh/')) continue;
      if (all[dep] !== undefined && all[dep] !== version) fail(`${dep} is ${all[dep]} for the sidecar but ${version} for @revmesh/${name}; use one version`);
      all[dep] = version;
    }
  }
  for (const [dep, version] of Object.entries(all)) {
    if (!dep.startsWith('@revmesh/') && !/^\d+\.\d+\.\d+$/.test(version)) fail(`${dep}@${version} is not an exact version`);
  }
  return all;
}

/** @param {string} dir @returns {string[]} every file under dir, relative, with / separators */
function filesUnder(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1).split('\\').join('/'));
}

function main() {
  run(process.execPath, [TSC, '-b', join(ROOT, 'libs', 'sidecar', 'tsconfig.json')]);

  const scratch = mkdtempSync(join(tmpdir(), 'revmesh-pack-sidecar-'));
  try {
    const stage = join(scratch, 'sidecar');
    compile('sidecar', stage, scratch);
    const sidecar = readJson(join(ROOT, 'libs', 'sidecar', 'package.json'));
    for (const name of BUNDLED) {
      const target = join(stage, 'node_modules', '@revmesh', name);
      compile(name, target, scratch);
      writeJson(join(target, 'package.json'), shippedManifest(name, { files: ['dist'] }));
    }
    const ownDependencies = Object.fromEntries(Object.entries(sidecar.dependencies).filter(([dep]) => !dep.startsWith('@revmesh/')));
    const bundled = Object.fromEntries(BUNDLED.map((name) => [`@revmesh/${name}`, sidecar.version]));
    writeJson(
      join(stage, 'package.json'),
      shippedManifest('sidecar', {
        dependencies: { ...registryDependencies(ownDependencies), ...bundled },
        bundleDependencies: Object.keys(bundled),
      }),
    );
    cpSync(join(ROOT, 'libs', 'sidecar', 'README.md'), join(stage, 'README.md'));

    // Test helpers are compiled from src/testing only for specs; nothing of them may ship.
    const leaked = filesUnder(stage).filter((f) => /\.spec(-helper)?\.|(^|\/)testing\/|\.tsbuildinfo$|\.map$/.test(f));
    if (leaked.length > 0) fail(`test or build files in the package: ${leaked.join(', ')}`);

    mkdirSync(OUT_DIR, { recursive: true });
    for (const old of readdirSync(OUT_DIR).filter((f) => /^revmesh-sidecar-.*\.tgz$/.test(f))) rmSync(join(OUT_DIR, old));
    const [packed] = JSON.parse(String(run('npm', ['pack', '--json', '--pack-destination', OUT_DIR], { cwd: stage, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })));
    const paths = packed.files.map((/** @type {{ path: string }} */ f) => f.path);
    for (const name of BUNDLED) {
      if (!paths.includes(`node_modules/@revmesh/${name}/dist/index.js`)) fail(`@revmesh/${name} is missing from the tarball`);
    }
    process.stdout.write(
      `${join(OUT_DIR, packed.filename)}\n  ${packed.entryCount} files, ${(packed.size / 1024).toFixed(1)} kB packed, bundles ${Object.keys(bundled).join(', ')}\n`,
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main();
