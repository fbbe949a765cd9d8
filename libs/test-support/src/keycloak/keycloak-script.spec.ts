import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findRepoRoot, runRepoScript } from '../process/repo-script';

// deploy/keycloak/keycloak.sh refuses bad settings before it fetches or launches anything, and
// its status/stop are safe when nothing runs. None of these cases starts Java or Keycloak.

const script = path.join(findRepoRoot(), 'deploy', 'keycloak', 'keycloak.sh');

describe('keycloak.sh', () => {
  let scratch: string;
  let env: NodeJS.ProcessEnv;

  beforeEach(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'revmesh-keycloak-sh-'));
    // A run dir of its own: never the one of a Keycloak running for the integration tests.
    env = { PATH: process.env['PATH'], HOME: process.env['HOME'], KEYCLOAK_RUN_DIR: path.join(scratch, 'run') };
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  /** A directory that looks like a JDK of the given JAVA_VERSION (release file and bin/java). */
  function fakeJdk(version: string): string {
    const home = path.join(scratch, `jdk-${version}`);
    mkdirSync(path.join(home, 'bin'), { recursive: true });
    writeFileSync(path.join(home, 'release'), `IMPLEMENTOR="test"\nJAVA_VERSION="${version}"\n`);
    writeFileSync(path.join(home, 'bin', 'java'), '#!/bin/sh\nexit 99\n');
    chmodSync(path.join(home, 'bin', 'java'), 0o755);
    return home;
  }

  const run = (command: string, extra: NodeJS.ProcessEnv = {}) => runRepoScript(script, command, 30_000, { ...env, ...extra });

  it('reports "not running" with exit 3 from status, and stops nothing with exit 0', async () => {
    const status = await run('status');
    expect(status).toMatchObject({ code: 3, stdout: '' });
    expect(status.stderr).toMatch(/not running/);
    const stop = await run('stop');
    expect(stop.code).toBe(0);
    expect(stop.stderr).toMatch(/not running/);
  });

  it('refuses a KEYCLOAK_PORT that is not a TCP port, naming the variable and the fix', async () => {
    for (const port of ['http', '0', '70000']) {
      const result = await run('start', { KEYCLOAK_PORT: port });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`KEYCLOAK_PORT must be a TCP port number, got '${port}' \\(unset it`));
    }
  });

  it('refuses a Java older than 21 named by KEYCLOAK_JAVA_HOME before fetching or launching', async () => {
    const result = await run('start', { KEYCLOAK_JAVA_HOME: fakeJdk('17.0.12') });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/is Java 17; Keycloak 26\.7\.3 needs 21\+/);
    expect(result.stderr).not.toMatch(/starting Keycloak|copying/);
  });

  it('refuses a KEYCLOAK_JAVA_HOME that is no JDK', async () => {
    const result = await run('start', { KEYCLOAK_JAVA_HOME: scratch });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/KEYCLOAK_JAVA_HOME=.* has no bin\/java and readable release file/);
  });

  it('answers an unknown command with the usage and exit 2', async () => {
    const result = await run('restart');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown command: restart[\s\S]*usage: keycloak\.sh <fetch\|start\|stop\|status>/);
  });
});
