import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { problem, startFakeAuthority, type FakeAuthority } from '../testing/fake-authority.spec-helper';
import { runRevmesh, sessionBody, tempDir } from '../testing/run-cli.spec-helper';
import { ScriptedTty } from '../testing/scripted-tty.spec-helper';

const CODE = 'rme_0123456789abcdefghijklmnopqrstuv';
const SECRET = 'JBSWY3DPEHPK3PXP';
const offer = {
  username: 'bob',
  role: 'responder',
  totp: { secret: SECRET, otpauthUri: `otpauth://totp/revmesh:bob?secret=${SECRET}&issuer=revmesh` },
  expiresAt: '2026-11-27T02:00:00.000Z',
};
const bob = { username: 'bob', role: 'responder', password: 'bobs own password', totp: '654321', token: 'bob-session-token-0123456789' };

describe('revmesh enrol', () => {
  let authority: FakeAuthority;
  let dir: ReturnType<typeof tempDir>;
  beforeEach(async () => {
    authority = await startFakeAuthority();
    authority.on('POST', '/v1/enrol/start', (request) =>
      (request.body as { code?: string }).code === CODE ? { status: 200, body: offer } : problem(400, 'ENROLMENT_CODE_INVALID', 'Invalid code', 'unknown, expired or used'),
    );
    authority.on('POST', '/v1/enrol', { status: 200, body: sessionBody(bob, bob.token) });
    dir = tempDir();
  });
  afterEach(async () => {
    await authority.close();
    dir.cleanup();
  });
  const run = (argv: readonly string[], stdin?: string | ScriptedTty) => runRevmesh(['--authority', authority.url, ...argv], dir.path, stdin === undefined ? {} : { stdin });

  it('at a terminal: code, the TOTP secret shown once, password twice and a code; the session is stored', async () => {
    const result = await run(['enrol'], new ScriptedTty([CODE, bob.password, bob.password, bob.totp]));
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`otpauth URI  ${offer.totp.otpauthUri}\n`);
    expect(result.stderr).toContain(`secret       ${SECRET}\n`);
    expect(authority.requests.map((r) => [r.path, r.body])).toEqual([
      ['/v1/enrol/start', { code: CODE }],
      ['/v1/enrol', { code: CODE, password: bob.password, totp: bob.totp }],
    ]);
    expect(result.stdout).toContain(`Enrolled on ${authority.url} as bob (responder)`);
    expect(result.stdout + result.stderr).not.toContain(bob.password);
    const stored = JSON.parse(readFileSync(join(dir.path, 'credentials.json'), 'utf8')) as { profiles: { default: { token: string; username: string } } };
    expect(stored.profiles.default).toMatchObject({ username: 'bob', token: bob.token });
  });

  it('without a terminal: step 1 prints the secret (JSON) and stops; step 2 completes with --totp and --password-stdin', async () => {
    const first = await run(['--json', 'enrol', '--code', CODE]);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual(offer);
    expect(authority.requests.map((r) => r.path)).toEqual(['/v1/enrol/start']);

    const second = await run(['enrol', '--code', CODE, '--password-stdin', '--totp', bob.totp], `${bob.password}\n`);
    expect(second.code).toBe(0);
    // Step 2 offers no new secret: it would replace the one just stored in the authenticator.
    expect(authority.requests.map((r) => [r.path, r.body])).toEqual([
      ['/v1/enrol/start', { code: CODE }],
      ['/v1/enrol', { code: CODE, password: bob.password, totp: bob.totp }],
    ]);
  });

  it('a used or expired code: exit 1 with the authority\'s code, nothing stored', async () => {
    const result = await run(['enrol', '--code', 'rme_used']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('(code ENROLMENT_CODE_INVALID)');
  });

  it('without a code and no terminal: usage error, nothing sent', async () => {
    const result = await run(['enrol']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--code <code>');
    expect(authority.requests).toHaveLength(0);
  });
});
