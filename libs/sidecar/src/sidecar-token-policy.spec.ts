import { createTestIssuer, keyStateEvent, tamperSignature, type TestIssuer } from '@revmesh/test-support';
import type { KeyState } from '@revmesh/contracts';
import { AUDIENCE, createSidecarFixture, ISSUER, type SidecarFixture } from './testing/sidecar-fixture.spec-helper';
import type { VerifyResult } from './verify/verify-result';

const code = (result: VerifyResult) => (result.ok ? 'OK' : result.code);
const YEAR_S = 365 * 86_400;

describe('token lifetime within policy (TOKEN_LIFETIME_EXCEEDED)', () => {
  let f: SidecarFixture;
  beforeEach(async () => {
    f = await createSidecarFixture({ sidecar: { maxTokenLifetimeSeconds: 3600 } });
  });
  afterEach(() => f.sidecar.close());

  it('refuses a fresh token whose exp lies ten years ahead, though it is seconds old', async () => {
    const iat = Math.floor(f.clock.now() / 1000) - 5;
    const result = await f.sidecar.verify(await f.issuer.sign({ iat, exp: iat + 10 * YEAR_S }));
    expect(result).toEqual({ ok: false, code: 'TOKEN_LIFETIME_EXCEEDED', message: expect.stringContaining(`exceeds the allowed maximum of 3600 s`) });
  });

  it('accepts a lifetime of exactly the maximum; one second more is refused', async () => {
    const iat = Math.floor(f.clock.now() / 1000);
    expect(code(await f.sidecar.verify(await f.issuer.sign({ iat, exp: iat + 3600 })))).toBe('OK');
    expect(code(await f.sidecar.verify(await f.issuer.sign({ iat, exp: iat + 3601 })))).toBe('TOKEN_LIFETIME_EXCEEDED');
  });

  it('still says TOKEN_EXPIRED for an old token, whatever its lifetime', async () => {
    const iat = Math.floor(f.clock.now() / 1000) - 7200;
    expect(code(await f.sidecar.verify(await f.issuer.sign({ iat, exp: iat + 10 * YEAR_S })))).toBe('TOKEN_EXPIRED');
  });
});

describe('tokens of a pending key (KEY_NOT_ACTIVE)', () => {
  let f: SidecarFixture;
  let version: number;
  let standby: TestIssuer;
  const move = (key: TestIssuer, state: KeyState, changedAt = f.clock.now()) =>
    f.publish(keyStateEvent({ key, state, keySetVersion: ++version, now: f.clock.now(), changedAt }));
  const open = async (pendingKeyGraceMs: number) => {
    version = 0;
    f = await createSidecarFixture({ sidecar: { keys: undefined, pendingKeyGraceMs } });
    standby = await createTestIssuer({ issuer: ISSUER, audience: AUDIENCE, clock: f.clock.now, alg: 'EdDSA' });
    await move(f.issuer, 'active');
    await move(standby, 'pending');
  };
  afterEach(() => f.sidecar.close());

  it('a token forged with the pre-published standby before its promotion is refused', async () => {
    await open(0);
    expect(await f.sidecar.verify(await standby.sign())).toEqual({ ok: false, code: 'KEY_NOT_ACTIVE', message: expect.stringContaining('pending') });
    // The active key is unaffected.
    expect(code(await f.sidecar.verify(await f.issuer.sign()))).toBe('OK');
  });

  it('the race after a promotion: a new token that arrives before the promotion event waits for it and passes', async () => {
    await open(2_000);
    f.clock.advance(10_000);
    const promotedAt = f.clock.now();
    const token = await standby.sign(); // issued by the authority right after promoting
    const verdict = f.sidecar.verify(token);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await move(standby, 'active', promotedAt);
    expect(code(await verdict)).toBe('OK');
    expect(code(await f.sidecar.verify(await standby.sign()))).toBe('OK');
  });

  it('waits no longer than pendingKeyGraceMs for a promotion that does not come', async () => {
    await open(100);
    const started = Date.now();
    expect(code(await f.sidecar.verify(await standby.sign()))).toBe('KEY_NOT_ACTIVE');
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('a token forged with the standby before the promotion stays refused after it (iat before the promotion)', async () => {
    await open(0);
    const early = await standby.sign(); // minted with the stolen standby key while it was pending
    f.clock.advance(60_000);
    await move(standby, 'active');
    expect(await f.sidecar.verify(early)).toEqual({ ok: false, code: 'KEY_NOT_ACTIVE', message: expect.stringContaining('before key') });
    // Within the clock tolerance (5 s) of the promotion: accepted.
    const late = await standby.sign({ iat: Math.floor(f.clock.now() / 1000) - 5 });
    expect(code(await f.sidecar.verify(late))).toBe('OK');
  });

  it('a token with a bad signature under a pending kid does not wait: SIGNATURE_INVALID', async () => {
    await open(5_000);
    const started = Date.now();
    expect(code(await f.sidecar.verify(tamperSignature(await standby.sign())))).toBe('SIGNATURE_INVALID');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('a promotion that revokes instead (the standby was compromised while pending): KEY_REVOKED', async () => {
    await open(2_000);
    const verdict = f.sidecar.verify(await standby.sign());
    await new Promise((resolve) => setTimeout(resolve, 20));
    await move(standby, 'revoked');
    expect(code(await verdict)).toBe('KEY_REVOKED');
  });
});
