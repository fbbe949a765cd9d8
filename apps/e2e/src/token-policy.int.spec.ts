import { randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { Sidecar, VerifyResult } from '@revmesh/sidecar';
import { SignJWT } from 'jose';
import { adminApi, issueToken, kidOf, startAuthority, type AuthorityHandle } from './support/authority-process';
import { startSidecars } from './support/sidecars';
import { stealSigningKey } from './support/stolen-signing-key';
import { uniquePrefix } from './support/wait';

const YEAR_S = 365 * 86_400;
const codes = (results: readonly VerifyResult[]) => results.map((r) => (r.ok ? 'OK' : r.code));

/**
 * Tokens no policy allows, forged with keys taken from the authority's database (KEK and a
 * database copy: the insider case), against three sidecars on the real broker: a ten-year
 * lifetime is refused everywhere (TOKEN_LIFETIME_EXCEEDED), and so is a token of the
 * pre-published standby key, before and after its promotion (KEY_NOT_ACTIVE), while tokens the
 * authority issues right after a promotion pass at once.
 */
describe('tokens within policy, at every sidecar', () => {
  let authority: AuthorityHandle;
  let sidecars: Sidecar[];

  beforeAll(async () => {
    authority = await startAuthority({ brokers: process.env['KAFKA_BROKERS']!, topicPrefix: uniquePrefix('token-policy') });
    sidecars = await startSidecars(authority, 3);
  });
  afterAll(async () => {
    await Promise.all((sidecars ?? []).map((s) => s.close()));
    await authority?.process.stop();
  });

  const forge = (key: { kid: string; privateKey: KeyObject }, times: { iat: number; exp: number }) =>
    new SignJWT({ client_id: authority.clientId, jti: randomUUID() })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt' })
      .setIssuer(authority.url)
      .setAudience('demo-api')
      .setSubject('insider')
      .setIssuedAt(times.iat)
      .setExpirationTime(times.exp)
      .sign(key.privateKey);
  const atEverySidecar = async (token: string) => codes(await Promise.all(sidecars.map((s) => s.verify(token))));
  const nowS = () => Math.floor(Date.now() / 1000);

  it('a ten-year token signed with the real active key is refused by every sidecar; the same key with a normal lifetime passes', async () => {
    const active = stealSigningKey(authority, 'active');
    expect(kidOf(await issueToken(authority))).toBe(active.kid);
    const tenYears = await forge(active, { iat: nowS(), exp: nowS() + 10 * YEAR_S });
    expect(await atEverySidecar(tenYears)).toEqual(['TOKEN_LIFETIME_EXCEEDED', 'TOKEN_LIFETIME_EXCEEDED', 'TOKEN_LIFETIME_EXCEEDED']);
    const normal = await forge(active, { iat: nowS(), exp: nowS() + 300 });
    expect(await atEverySidecar(normal)).toEqual(['OK', 'OK', 'OK']);
    // What the authority issues stays within the policy's maximum (tokens.maxLifetimeSeconds, 1 day by default).
    const issued = JSON.parse(Buffer.from((await issueToken(authority)).split('.')[1]!, 'base64url').toString()) as { iat: number; exp: number };
    expect(issued.exp - issued.iat).toBeLessThanOrEqual(86_400);
  });

  it('a token forged with the pending standby is refused before and after its promotion; tokens issued right after the promotion pass at once', async () => {
    const standby = stealSigningKey(authority, 'pending');
    const minted = nowS() - 60; // minted a minute ago, while the key was only pre-published
    const early = await forge(standby, { iat: minted, exp: minted + 300 });
    expect(await atEverySidecar(early)).toEqual(['KEY_NOT_ACTIVE', 'KEY_NOT_ACTIVE', 'KEY_NOT_ACTIVE']);

    // Emergency: the standby is promoted at once; new tokens are checked the moment they exist,
    // racing the promotion event to each sidecar.
    const compromised = kidOf(await issueToken(authority));
    const { status, body } = await adminApi(authority, 'POST', `/v1/keys/${compromised}/compromise`, { reason: 'token-policy e2e: emergency promotion' });
    expect(status).toBe(201);
    expect(body['to_kid']).toBe(standby.kid);
    const fresh = await issueToken(authority);
    expect(kidOf(fresh)).toBe(standby.kid);
    const stillPending = sidecars.filter((s) => s.stats().keySet.keys.find((k) => k.kid === standby.kid)?.state === 'pending').length;
    expect(await atEverySidecar(fresh)).toEqual(['OK', 'OK', 'OK']);
    process.stdout.write(`promotion race: ${stillPending} of 3 sidecars still held the new key as pending when its first token arrived\n`);

    // The early token stays refused: it was issued before the promotion every sidecar saw.
    expect(await atEverySidecar(early)).toEqual(['KEY_NOT_ACTIVE', 'KEY_NOT_ACTIVE', 'KEY_NOT_ACTIVE']);
    const results = await Promise.all(sidecars.map((s) => s.verify(early)));
    for (const result of results) expect(result).toMatchObject({ ok: false, message: expect.stringContaining('before key') });
  });
});
