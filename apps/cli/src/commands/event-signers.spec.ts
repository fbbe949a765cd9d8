import { startFakeAuthority, type FakeAuthority } from '../testing/fake-authority.spec-helper';
import { loggedInFixture, runRevmesh, tempDir, type LoggedInFixture } from '../testing/run-cli.spec-helper';

/** The justification every write in this file gives. */
const J = 'INC-1: leaked token, see the ticket';

describe('revmesh event-signers rotate', () => {
  let f: LoggedInFixture;
  beforeEach(async () => (f = await loggedInFixture()));
  afterEach(() => f.close());

  it('POST /v1/event-signers/rotate {reason}', async () => {
    const body = { id: 'sig-rot-1', old_kid: 'sig-a', new_kid: 'sig-b', withdraw_after: Date.UTC(2025, 0, 2) };
    f.authority.on('POST', '/v1/event-signers/rotate', { status: 202, body });
    const run = await f.run(['event-signers', 'rotate', '--reason', 'yearly', '-j', J]);

    expect(run.code).toBe(0);
    expect(f.authority.requests[0]).toMatchObject({ method: 'POST', path: '/v1/event-signers/rotate', body: { reason: 'yearly', justification: J } });
    expect(run.stdout).toMatch(/^new kid +sig-b$/m);
    expect(run.stdout).toMatch(/^withdraw after +2025-01-02T00:00:00\.000Z$/m);

    const json = await f.run(['--json', 'event-signers', 'rotate', '--reason', 'yearly', '-j', J]);
    expect(JSON.parse(json.stdout)).toEqual(body);
  });

  it.each([
    [['event-signers', 'rotate', '-j', J], /--reason/],
    [['event-signers', 'rotate', '--reason', 'yearly'], /a justification is required: pass -j "<why>" \(or set REVMESH_JUSTIFICATION\)/],
    [['event-signers', 'rotate', '--reason', 'yearly', '-j', '   '], /a justification is required/],
  ])('%j is a usage error and sends nothing', async (argv, message) => {
    const run = await f.run(argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(f.authority.requests).toHaveLength(0);
  });
});

describe('revmesh event-signers pin', () => {
  const SIGNER = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'sig-a', alg: 'EdDSA', use: 'sig' };
  let authority: FakeAuthority;
  let dir: ReturnType<typeof tempDir>;
  beforeEach(async () => {
    authority = await startFakeAuthority();
    dir = tempDir();
  });
  afterEach(async () => {
    await authority.close();
    dir.cleanup();
  });
  const pin = (...argv: string[]) => runRevmesh(['--authority', authority.url, 'event-signers', 'pin', ...argv], dir.path);

  it('prints the JWK Set the authority serves as one line to pin, with a trust-on-first-use warning; no login needed', async () => {
    authority.on('GET', '/.well-known/revmesh-event-signers.json', { status: 200, body: { keys: [SIGNER] } });
    const run = await pin();

    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${JSON.stringify({ keys: [SIGNER] })}\n`);
    expect(authority.requests).toEqual([expect.objectContaining({ method: 'GET', path: '/.well-known/revmesh-event-signers.json' })]);
    expect(authority.requests[0]!.headers.authorization).toBeUndefined();
    expect(run.stderr).toContain(`revmesh: warning: trust on first use: these keys came from ${authority.url}/.well-known/revmesh-event-signers.json`);
    expect(run.stderr).toContain(`  kid sig-a  x ${SIGNER.x}\n`);
  });

  it('--env prints a shell assignment, --json the JWK Set document', async () => {
    authority.on('GET', '/.well-known/revmesh-event-signers.json', { status: 200, body: { keys: [SIGNER] } });
    expect((await pin('--env')).stdout).toBe(`REVMESH_EVENT_SIGNERS='${JSON.stringify({ keys: [SIGNER] })}'\n`);
    const json = await runRevmesh(['--json', '--authority', authority.url, 'event-signers', 'pin'], dir.path);
    expect(JSON.parse(json.stdout)).toEqual({ keys: [SIGNER] });
  });

  it.each([
    [{ keys: [] }, /is not a JWK Set of event signers/],
    [{ signers: [SIGNER] }, /is not a JWK Set of event signers/],
    [{ keys: [{ ...SIGNER, d: 'private' }] }, /keys\[0\] is not an Ed25519 public JWK/],
    [{ keys: [SIGNER, { kty: 'EC', crv: 'P-256', x: 'a', y: 'b', kid: 'ec' }] }, /keys\[1\] is not an Ed25519 public JWK/],
  ])('prints nothing to pin from %j (exit 1)', async (body, message) => {
    authority.on('GET', '/.well-known/revmesh-event-signers.json', { status: 200, body });
    const run = await pin();
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
  });

  it('without an authority URL is a usage error', async () => {
    const run = await runRevmesh(['event-signers', 'pin'], dir.path);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no authority URL/);
  });
});
