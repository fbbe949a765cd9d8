import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { generate } from 'otplib';
import type { AuditContext } from '../audit/audit-context';
import type { AuditEntryInput, AuditLog, AuditRecord } from '../audit/audit-log';
import {
  BootstrapDoneError,
  InvalidCredentialsError,
  LastSecurityAdminError,
  LoginThrottledError,
  OperatorExistsError,
  OperatorNotFoundError,
  OperatorTokenInvalidError,
} from '../errors/errors';
import { rewrapKek } from '../kek/rewrap-kek';
import { DEFAULT_POLICY, type PolicyDocument } from '../policy/policy-document';
import { openStore, type AuthorityStore } from '../store/store';
import { createOperatorService, type OperatorService, type RequestOrigin } from './operator-service';
import { deriveOperatorTokenKey, OPERATOR_TOKEN_TYP } from './operator-tokens';

const FAST = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
const PASSWORD = 'correct horse battery';
const ORIGIN: RequestOrigin = { sourceAddress: '10.0.0.1', requestId: 'req-1' };
const ADMIN_CONTEXT: AuditContext = {
  actor: { kind: 'operator', id: 'root' },
  role: 'security-admin',
  justification: 'onboarding the incident team',
  requestId: 'req-0',
  sourceAddress: '10.0.0.9',
};

function recordingAudit(): AuditLog & { entries: AuditEntryInput[] } {
  const entries: AuditEntryInput[] = [];
  return {
    entries,
    append(entry) {
      entries.push(entry);
      return { ...entry, seq: entries.length, at: 0, prevHash: '', hash: '' } satisfies AuditRecord;
    },
  };
}

describe('OperatorService', () => {
  let dir: string;
  let store: AuthorityStore;
  let now: number;
  let policy: PolicyDocument;
  let audit: ReturnType<typeof recordingAudit>;
  let service: OperatorService;
  const kek = randomBytes(32);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-operators-'));
    now = Date.UTC(2030, 0, 1, 12, 0, 0);
    const clock = { now: () => now };
    store = openStore({ dataDir: dir, clock });
    policy = DEFAULT_POLICY;
    audit = recordingAudit();
    service = createOperatorService({ store, kek, issuer: 'http://authority.test', policy: { current: () => policy }, audit, clock, passwordHashCost: FAST });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The code an authenticator app shows at the fake clock's time. */
  const code = (secret: string, at = now): Promise<string> => generate({ secret, epoch: Math.floor(at / 1000) });
  const bootstrapRoot = () => service.bootstrap({ username: 'root', password: PASSWORD }, ORIGIN);
  const login = async (username: string, secret: string, origin = ORIGIN) =>
    service.login({ username, password: PASSWORD, totp: await code(secret) }, origin);
  /**
   * Adds an operator and enrols them with the code, as the person would; then moves the clock
   * one TOTP step on (the enrolment spent the current step's code).
   */
  const addEnrolled = async (username: string, role: 'viewer' | 'responder' | 'security-admin', context = ADMIN_CONTEXT) => {
    const invited = service.add({ username, role }, context);
    const offer = await service.startEnrolment(invited.enrolment!.code, ORIGIN);
    await service.completeEnrolment({ code: invited.enrolment!.code, password: PASSWORD, totp: await code(offer.totp.secret) }, ORIGIN);
    now += 30_000;
    return { operator: invited.operator, totp: offer.totp };
  };

  describe('bootstrap', () => {
    it('creates the first security-admin with a TOTP enrolment; a second bootstrap is refused', async () => {
      const created = await bootstrapRoot();
      expect(created.operator).toMatchObject({ username: 'root', role: 'security-admin', createdBy: 'bootstrap', disabledAt: null });
      expect(created.totp.secret).toMatch(/^[A-Z2-7]+$/);
      expect(created.totp.otpauthUri).toMatch(/^otpauth:\/\/totp\/revmesh:root\?.*secret=/);
      await expect(service.bootstrap({ username: 'other', password: PASSWORD }, ORIGIN)).rejects.toBeInstanceOf(BootstrapDoneError);
      expect(audit.entries.map((e) => [e.action, e.outcome])).toEqual([['operators.bootstrap', 'succeeded']]);
    });

    it('stores neither the password nor the TOTP secret in the clear', async () => {
      const { totp } = await bootstrapRoot();
      const row = store.db.prepare('SELECT * FROM operators').get() as Record<string, string>;
      expect(row['password_hash']).toMatch(/^\$argon2id\$/);
      expect(JSON.stringify(row)).not.toContain(totp.secret);
      expect(JSON.stringify(row)).not.toContain(PASSWORD);
    });

    it('refuses passwords outside 12..256 characters and bad usernames', async () => {
      await expect(service.bootstrap({ username: 'root', password: 'short' }, ORIGIN)).rejects.toBeInstanceOf(TypeError);
      await expect(service.bootstrap({ username: 'root', password: 'x'.repeat(257) }, ORIGIN)).rejects.toBeInstanceOf(TypeError);
      await expect(service.bootstrap({ username: 'a b', password: PASSWORD }, ORIGIN)).rejects.toBeInstanceOf(TypeError);
    });
  });

  describe('add, list, disable', () => {
    it('adds operators (usernames unique case-insensitively) and lists them', async () => {
      await bootstrapRoot();
      service.add({ username: 'Alice', role: 'responder' }, ADMIN_CONTEXT);
      expect(() => service.add({ username: 'alice', role: 'viewer' }, ADMIN_CONTEXT)).toThrow(OperatorExistsError);
      expect(service.list().map((o) => [o.username, o.role, o.createdBy])).toEqual([
        ['root', 'security-admin', 'bootstrap'],
        ['Alice', 'responder', 'root'],
      ]);
      expect(audit.entries.at(-1)).toMatchObject({ action: 'operators.add', outcome: 'succeeded', target: 'Alice', context: ADMIN_CONTEXT });
    });

    it('disabling ends the sessions at once; the last security-admin cannot be disabled', async () => {
      const root = await bootstrapRoot();
      const bob = await addEnrolled('bob', 'viewer');
      const session = await login('bob', bob.totp.secret);
      await service.authenticate(session.token);
      expect(service.disable('BOB', ADMIN_CONTEXT)).toMatchObject({ username: 'bob', disabledAt: now });
      await expect(service.authenticate(session.token)).rejects.toBeInstanceOf(OperatorTokenInvalidError);
      expect(() => service.disable('root', ADMIN_CONTEXT)).toThrow(LastSecurityAdminError);
      expect(() => service.disable('nobody', ADMIN_CONTEXT)).toThrow(OperatorNotFoundError);
      expect(root.operator.disabledAt).toBeNull();
      // The session the enrolment opened and the login's.
      expect(audit.entries.find((e) => e.action === 'operators.disable')).toMatchObject({ target: 'bob', details: { sessionsEnded: 2 } });
    });
  });

  describe('login and tokens', () => {
    it('issues an HS256 operator token with its own audience, amr and auth_time', async () => {
      const { totp } = await bootstrapRoot();
      const result = await login('root', totp.secret);
      expect(result).toMatchObject({ expiresIn: 3600, authTime: now, operator: { username: 'root', role: 'security-admin' } });
      expect(decodeProtectedHeader(result.token)).toEqual({ alg: 'HS256', typ: OPERATOR_TOKEN_TYP });
      const claims = decodeJwt(result.token);
      expect(claims).toMatchObject({
        iss: 'http://authority.test',
        aud: 'revmesh-operator',
        sub: 'root',
        role: 'security-admin',
        amr: ['pwd', 'otp'],
        auth_time: now / 1000,
        iat: now / 1000,
        exp: now / 1000 + 3600,
        sid: expect.any(String),
      });
      const principal = await service.authenticate(result.token);
      expect(principal).toMatchObject({ username: 'root', role: 'security-admin', authTime: now, sessionId: claims['sid'], sessionExpiresAt: now + 3_600_000 });
      expect(audit.entries.at(-1)).toMatchObject({ action: 'operators.login', outcome: 'succeeded', target: 'root' });
    });

    it('refuses an unknown user, a wrong password, a wrong code and a disabled operator with the same error', async () => {
      const { totp } = await bootstrapRoot();
      const bob = await addEnrolled('bob', 'viewer');
      service.disable('bob', ADMIN_CONTEXT);
      const attempts = [
        service.login({ username: 'ghost', password: PASSWORD, totp: await code(totp.secret) }, ORIGIN),
        service.login({ username: 'root', password: 'wrong password!', totp: await code(totp.secret) }, ORIGIN),
        service.login({ username: 'root', password: PASSWORD, totp: '000000' }, ORIGIN),
        service.login({ username: 'bob', password: PASSWORD, totp: await code(bob.totp.secret) }, ORIGIN),
      ];
      const errors = await Promise.all(attempts.map((p) => p.then(() => undefined, (e: unknown) => e)));
      for (const error of errors) {
        expect(error).toBeInstanceOf(InvalidCredentialsError);
        expect((error as Error).message).toBe('invalid username, password or one-time code');
      }
      const denied = audit.entries.filter((e) => e.outcome === 'denied').map((e) => e.details?.['reason']);
      expect(denied.sort()).toEqual(['disabled', 'unknown-operator', 'wrong-password', 'wrong-totp']);
      expect(JSON.stringify(audit.entries)).not.toContain(PASSWORD);
    });

    it('accepts a TOTP code once (replay refused), and codes of the neighbouring steps', async () => {
      const { totp } = await bootstrapRoot();
      const first = await code(totp.secret);
      await service.login({ username: 'root', password: PASSWORD, totp: first }, ORIGIN);
      await expect(service.login({ username: 'root', password: PASSWORD, totp: first }, ORIGIN)).rejects.toBeInstanceOf(InvalidCredentialsError);
      // The phone is one step ahead of the server: still accepted.
      const ahead = await code(totp.secret, now + 30_000);
      await expect(service.login({ username: 'root', password: PASSWORD, totp: ahead }, ORIGIN)).resolves.toBeDefined();
      // Two steps ahead: refused.
      const farAhead = await code(totp.secret, now + 90_000);
      await expect(service.login({ username: 'root', password: PASSWORD, totp: farAhead }, ORIGIN)).rejects.toBeInstanceOf(InvalidCredentialsError);
    });

    it('refuses tokens that are expired, logged out, forged, or access tokens of another audience', async () => {
      const { totp } = await bootstrapRoot();
      const result = await login('root', totp.secret);
      const principal = await service.authenticate(result.token);

      const later = now;
      now += 3_600_000;
      await expect(service.authenticate(result.token)).rejects.toBeInstanceOf(OperatorTokenInvalidError);
      now = later;

      const key = deriveOperatorTokenKey(kek);
      const forge = (aud: string, signingKey: Uint8Array) =>
        new SignJWT({ role: 'security-admin', sid: principal.sessionId, auth_time: now / 1000, amr: ['pwd', 'otp'] })
          .setProtectedHeader({ alg: 'HS256', typ: OPERATOR_TOKEN_TYP })
          .setIssuer('http://authority.test')
          .setAudience(aud)
          .setSubject('root')
          .setIssuedAt(now / 1000)
          .setExpirationTime(now / 1000 + 60)
          .sign(signingKey);
      await expect(service.authenticate(await forge('revmesh-operator', key))).resolves.toMatchObject({ username: 'root' });
      await expect(service.authenticate(await forge('demo-api', key))).rejects.toBeInstanceOf(OperatorTokenInvalidError);
      await expect(service.authenticate(await forge('revmesh-operator', randomBytes(32)))).rejects.toBeInstanceOf(OperatorTokenInvalidError);
      await expect(service.authenticate('not.a.jwt')).rejects.toBeInstanceOf(OperatorTokenInvalidError);

      service.logout(principal, ORIGIN);
      await expect(service.authenticate(result.token)).rejects.toBeInstanceOf(OperatorTokenInvalidError);
    });
  });

  describe('KEK rotation', () => {
    it('re-wraps the TOTP secrets: after rewrapKek, logins work under the new KEK only', async () => {
      const { totp } = await bootstrapRoot();
      store.close();
      const newKek = randomBytes(32);
      const result = rewrapKek({ dataDir: dir, currentKek: kek, newKek, actor: { kind: 'operator', id: 'root' }, reason: 'yearly KEK rotation', clock: { now: () => now } });
      expect(result.operatorTotpSecrets).toBe(1);
      store = openStore({ dataDir: dir, clock: { now: () => now } });
      const open = (k: Buffer) => createOperatorService({ store, kek: k, issuer: 'http://authority.test', policy: { current: () => policy }, clock: { now: () => now }, passwordHashCost: FAST });
      await expect(open(newKek).login({ username: 'root', password: PASSWORD, totp: await code(totp.secret) }, ORIGIN)).resolves.toBeDefined();
      now += 30_000;
      await expect(open(kek).login({ username: 'root', password: PASSWORD, totp: await code(totp.secret) }, ORIGIN)).rejects.toThrow();
    });
  });

  describe('step-up', () => {
    it('issues a token of the same session with a fresh auth_time and the same expiry', async () => {
      const { totp } = await bootstrapRoot();
      const first = await login('root', totp.secret);
      now += 15 * 60_000;
      const principal = await service.authenticate(first.token);
      const stepped = await service.stepUp(principal, await code(totp.secret), ORIGIN);
      const again = await service.authenticate(stepped.token);
      expect(again).toMatchObject({ sessionId: principal.sessionId, authTime: now, sessionExpiresAt: principal.sessionExpiresAt });
      expect(stepped.expiresIn).toBe(45 * 60);
      await expect(service.stepUp(principal, await code(totp.secret), ORIGIN)).rejects.toBeInstanceOf(InvalidCredentialsError);
      expect(audit.entries.filter((e) => e.action === 'operators.step-up').map((e) => e.outcome)).toEqual(['succeeded', 'denied']);
    });
  });

  describe('throttling', () => {
    const wrong = (username: string, sourceAddress = '10.0.0.1') =>
      service.login({ username, password: 'wrong password!', totp: '000000' }, { sourceAddress, requestId: null });

    it('locks a username after maxFailedLogins failures, even with the right credentials, doubling per further failure', async () => {
      policy = { ...DEFAULT_POLICY, operators: { ...DEFAULT_POLICY.operators, maxFailedLogins: 3, lockoutSeconds: 60 } };
      const { totp } = await bootstrapRoot();
      for (let i = 0; i < 3; i++) await expect(wrong('root', `10.0.1.${i}`)).rejects.toBeInstanceOf(InvalidCredentialsError);
      const locked = await login('root', totp.secret, { sourceAddress: '10.9.9.9', requestId: null }).catch((e: unknown) => e);
      expect(locked).toBeInstanceOf(LoginThrottledError);
      expect((locked as LoginThrottledError).retryAfterSeconds).toBe(60);

      now += 61_000;
      await expect(wrong('root', '10.0.2.1')).rejects.toBeInstanceOf(InvalidCredentialsError);
      expect(((await wrong('root').catch((e: unknown) => e)) as LoginThrottledError).retryAfterSeconds).toBe(120);

      now += 121_000;
      await expect(login('root', totp.secret, { sourceAddress: '10.9.9.9', requestId: null })).resolves.toBeDefined();
      // Success reset the username's counter.
      await expect(wrong('root', '10.0.3.1')).rejects.toBeInstanceOf(InvalidCredentialsError);
      await expect(login('root', totp.secret, { sourceAddress: '10.9.9.8', requestId: null }).catch((e: unknown) => e)).resolves.not.toBeInstanceOf(LoginThrottledError);
      expect(audit.entries.some((e) => e.outcome === 'denied' && e.details?.['reason'] === 'throttled')).toBe(true);
    });

    it('locks an address across usernames, and unknown usernames exactly like existing ones', async () => {
      policy = { ...DEFAULT_POLICY, operators: { ...DEFAULT_POLICY.operators, maxFailedLogins: 2, lockoutSeconds: 30 } };
      await bootstrapRoot();
      await expect(wrong('a', '10.1.1.1')).rejects.toBeInstanceOf(InvalidCredentialsError);
      await expect(wrong('b', '10.1.1.1')).rejects.toBeInstanceOf(InvalidCredentialsError);
      await expect(wrong('c', '10.1.1.1')).rejects.toBeInstanceOf(LoginThrottledError);

      for (const name of ['ghost', 'root']) {
        for (let i = 0; i < 2; i++) await expect(wrong(name, `10.2.${name.length}.${i}`)).rejects.toBeInstanceOf(InvalidCredentialsError);
      }
      const [ghost, root] = await Promise.all(['ghost', 'root'].map((name) => wrong(name, '10.3.3.3').catch((e: unknown) => e)));
      expect(ghost).toBeInstanceOf(LoginThrottledError);
      expect(root).toBeInstanceOf(LoginThrottledError);
      expect((ghost as LoginThrottledError).message).toBe((root as LoginThrottledError).message);
    });

    it('counts concurrent attempts too: a burst of parallel guesses gets no more than maxFailedLogins tries', async () => {
      policy = { ...DEFAULT_POLICY, operators: { ...DEFAULT_POLICY.operators, maxFailedLogins: 3, lockoutSeconds: 60 } };
      await bootstrapRoot();
      // Each from another address: only the username's counter can stop them.
      const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => wrong('root', `10.4.0.${i}`).catch((e: unknown) => e)));
      expect(outcomes.filter((e) => e instanceof InvalidCredentialsError)).toHaveLength(3);
      expect(outcomes.filter((e) => e instanceof LoginThrottledError)).toHaveLength(7);
    });

    it('counts concurrent step-up attempts too (a stolen token cannot race through TOTP guesses)', async () => {
      policy = { ...DEFAULT_POLICY, operators: { ...DEFAULT_POLICY.operators, maxFailedLogins: 3, lockoutSeconds: 60 } };
      const { totp } = await bootstrapRoot();
      const principal = await service.authenticate((await login('root', totp.secret)).token);
      const valid = await Promise.all([-30_000, 0, 30_000].map((d) => code(totp.secret, now + d)));
      const guesses = Array.from({ length: 20 }, (_, i) => String(100000 + i)).filter((g) => !valid.includes(g)).slice(0, 10);
      const outcomes = await Promise.all(guesses.map((guess, i) => service.stepUp(principal, guess, { sourceAddress: `10.5.0.${i}`, requestId: null }).catch((e: unknown) => e)));
      expect(outcomes.filter((e) => e instanceof InvalidCredentialsError)).toHaveLength(3);
      expect(outcomes.filter((e) => e instanceof LoginThrottledError)).toHaveLength(7);
    });
  });
});
