import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import type { AuditContext } from '../audit/audit-context';
import type { AuditEntryInput, AuditLog, AuditRecord } from '../audit/audit-log';
import {
  BootstrapDoneError,
  EnrolmentCodeInvalidError,
  InvalidCredentialsError,
  LastSecurityAdminError,
  LoginThrottledError,
  OperatorEnrolledError,
  OperatorTokenInvalidError,
} from '../errors/errors';
import { rewrapKek } from '../kek/rewrap-kek';
import { DEFAULT_POLICY, type PolicyDocument } from '../policy/policy-document';
import { openStore, type AuthorityStore } from '../store/store';
import { ENROLMENT_CODE_PATTERN, enrolmentCodeHash } from './enrolment-code';
import { createOperatorService, type OperatorService, type RequestOrigin } from './operator-service';

const FAST = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
const PASSWORD = 'correct horse battery';
const ORIGIN: RequestOrigin = { sourceAddress: '10.0.0.1', requestId: 'req-1' };
const ROOT: AuditContext = { actor: { kind: 'operator', id: 'root' }, role: 'security-admin', justification: 'onboarding', requestId: 'r', sourceAddress: '10.0.0.9' };

describe('operator enrolment (the person sets their own password and TOTP)', () => {
  let dir: string;
  let store: AuthorityStore;
  let now: number;
  let policy: PolicyDocument;
  let entries: AuditEntryInput[];
  let service: OperatorService;
  const kek = randomBytes(32);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-enrolment-'));
    now = Date.UTC(2030, 0, 1, 12, 0, 0);
    const clock = { now: () => now };
    store = openStore({ dataDir: dir, clock });
    policy = DEFAULT_POLICY;
    entries = [];
    const audit: AuditLog = { append: (entry) => ({ ...entry, seq: entries.push(entry), at: now, prevHash: '', hash: '' }) satisfies AuditRecord };
    service = createOperatorService({ store, kek, issuer: 'http://authority.test', policy: { current: () => policy }, audit, clock, passwordHashCost: FAST });
    await service.bootstrap({ username: 'root', password: PASSWORD }, ORIGIN);
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const code = (secret: string, at = now): Promise<string> => generate({ secret, epoch: Math.floor(at / 1000) });
  const enrol = async (enrolmentCode: string, password = PASSWORD) => {
    const offer = await service.startEnrolment(enrolmentCode, ORIGIN);
    const login = await service.completeEnrolment({ code: enrolmentCode, password, totp: await code(offer.totp.secret) }, ORIGIN);
    return { offer, login };
  };
  const denials = (action: string) => entries.filter((e) => e.action === action && e.outcome === 'denied').map((e) => e.details?.['reason']);

  it('add yields a one-time code and no password or TOTP secret; only the code hash is stored', () => {
    const invited = service.add({ username: 'bob', role: 'responder' }, ROOT);
    expect(invited.operator).toMatchObject({ username: 'bob', role: 'responder', createdBy: 'root', enrolledAt: null });
    expect(invited).not.toHaveProperty('totp');
    const enrolment = invited.enrolment!;
    expect(enrolment.code).toMatch(ENROLMENT_CODE_PATTERN);
    expect(enrolment.expiresAt).toBe(now + 3_600_000);
    const dump = JSON.stringify(store.db.prepare('SELECT * FROM operator_enrolments').all());
    expect(dump).not.toContain(enrolment.code);
    expect(dump).toContain(enrolmentCodeHash(enrolment.code));
    expect(entries.at(-1)).toMatchObject({ action: 'operators.add', target: 'bob', details: { role: 'responder', enrolmentExpiresAt: enrolment.expiresAt } });
    expect(JSON.stringify(entries)).not.toContain(enrolment.code);
  });

  it('an operator who has not enrolled cannot log in; after enrolling, with their own password and TOTP only', async () => {
    const { enrolment } = service.add({ username: 'bob', role: 'viewer' }, ROOT);
    await expect(service.login({ username: 'bob', password: '', totp: '000000' }, ORIGIN)).rejects.toBeInstanceOf(InvalidCredentialsError);
    expect(denials('operators.login')).toEqual(['not-enrolled']);

    const { offer, login } = await enrol(enrolment!.code);
    expect(offer).toMatchObject({ username: 'bob', role: 'viewer', expiresAt: enrolment!.expiresAt });
    expect(offer.totp.otpauthUri).toMatch(/^otpauth:\/\/totp\/revmesh:bob\?/);
    expect(await service.authenticate(login.token)).toMatchObject({ username: 'bob', role: 'viewer' });
    expect(service.list().find((o) => o.username === 'bob')?.enrolledAt).toBe(now);
    // The code shown at enrolment is spent; the next step's code logs in.
    await expect(service.login({ username: 'bob', password: PASSWORD, totp: await code(offer.totp.secret) }, ORIGIN)).rejects.toBeInstanceOf(InvalidCredentialsError);
    now += 30_000;
    await expect(service.login({ username: 'bob', password: PASSWORD, totp: await code(offer.totp.secret) }, ORIGIN)).resolves.toMatchObject({ operator: { username: 'bob' } });
    expect(entries.filter((e) => e.action === 'operators.enrol' && e.outcome === 'succeeded')).toMatchObject([{ target: 'bob', details: { issuedBy: 'root' } }]);
  });

  it('a code is single use: a second start or completion is refused and audited', async () => {
    const { enrolment } = service.add({ username: 'bob', role: 'viewer' }, ROOT);
    await enrol(enrolment!.code);
    await expect(service.startEnrolment(enrolment!.code, ORIGIN)).rejects.toBeInstanceOf(EnrolmentCodeInvalidError);
    await expect(service.completeEnrolment({ code: enrolment!.code, password: 'another password!', totp: '123456' }, ORIGIN)).rejects.toBeInstanceOf(EnrolmentCodeInvalidError);
    expect(denials('operators.enrol-start')).toEqual(['code-used']);
    expect(denials('operators.enrol')).toEqual(['code-used']);
  });

  it('two concurrent completions with one code: exactly one enrols', async () => {
    const { enrolment } = service.add({ username: 'bob', role: 'viewer' }, ROOT);
    const offer = await service.startEnrolment(enrolment!.code, ORIGIN);
    const totp = await code(offer.totp.secret);
    const outcomes = await Promise.allSettled([1, 2].map((i) => service.completeEnrolment({ code: enrolment!.code, password: `${PASSWORD} ${i}`, totp }, ORIGIN)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason)).toEqual([expect.any(EnrolmentCodeInvalidError)]);
  });

  it('a code expires after operators.enrolmentCodeSeconds', async () => {
    policy = { ...DEFAULT_POLICY, operators: { ...DEFAULT_POLICY.operators, enrolmentCodeSeconds: 600 } };
    const { enrolment } = service.add({ username: 'bob', role: 'viewer' }, ROOT);
    expect(enrolment!.expiresAt).toBe(now + 600_000);
    const offer = await service.startEnrolment(enrolment!.code, ORIGIN);
    now += 600_000;
    await expect(service.completeEnrolment({ code: enrolment!.code, password: PASSWORD, totp: await code(offer.totp.secret) }, ORIGIN)).rejects.toBeInstanceOf(EnrolmentCodeInvalidError);
    await expect(service.startEnrolment(enrolment!.code, ORIGIN)).rejects.toBeInstanceOf(EnrolmentCodeInvalidError);
    expect(denials('operators.enrol')).toEqual(['code-expired']);
    // A new code works, and withdraws any earlier one.
    const first = service.issueEnrolment('bob', ROOT);
    const second = service.issueEnrolment('bob', ROOT);
    await expect(service.startEnrolment(first.code, ORIGIN)).rejects.toBeInstanceOf(EnrolmentCodeInvalidError);
    await expect(enrol(second.code)).resolves.toBeDefined();
  });

  it('a wrong TOTP code or no started enrolment fails without spending the code; unknown codes are refused alike', async () => {
    const { enrolment } = service.add({ username: 'bob', role: 'viewer' }, ROOT);
    await expect(service.completeEnrolment({ code: enrolment!.code, password: PASSWORD, totp: '123456' }, ORIGIN)).rejects.toBeInstanceOf(EnrolmentCodeInvalidError);
    const offer = await service.startEnrolment(enrolment!.code, ORIGIN);
    const wrong = (await code(offer.totp.secret)) === '000000' ? '111111' : '000000';
    await expect(service.completeEnrolment({ code: enrolment!.code, password: PASSWORD, totp: wrong }, ORIGIN)).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(service.startEnrolment('rme_' + 'A'.repeat(32), ORIGIN)).rejects.toBeInstanceOf(EnrolmentCodeInvalidError);
    await expect(service.startEnrolment('not a code', ORIGIN)).rejects.toBeInstanceOf(EnrolmentCodeInvalidError);
    expect(denials('operators.enrol')).toEqual(['not-started', 'wrong-totp']);
    expect(denials('operators.enrol-start')).toEqual(['unknown-code', 'unknown-code']);
    await expect(service.completeEnrolment({ code: enrolment!.code, password: PASSWORD, totp: await code(offer.totp.secret) }, ORIGIN)).resolves.toBeDefined();
  });

  it('guessing codes is throttled per address like logins: past operators.maxFailedLogins even a valid code is refused', async () => {
    const { enrolment } = service.add({ username: 'bob', role: 'viewer' }, ROOT);
    const guesser: RequestOrigin = { sourceAddress: '203.0.113.9', requestId: null };
    for (let i = 0; i < 5; i++) {
      await expect(service.startEnrolment(`rme_${String(i).repeat(32)}`, guesser)).rejects.toBeInstanceOf(EnrolmentCodeInvalidError);
    }
    await expect(service.startEnrolment(enrolment!.code, guesser)).rejects.toBeInstanceOf(LoginThrottledError);
    expect(denials('operators.enrol-start').at(-1)).toBe('throttled');
    // Another address is not locked out with it.
    await expect(service.startEnrolment(enrolment!.code, ORIGIN)).resolves.toMatchObject({ username: 'bob' });
  });

  it('a disabled operator cannot enrol; an enrolled one gets no code (reset the second factor first)', async () => {
    const { enrolment } = service.add({ username: 'bob', role: 'viewer' }, ROOT);
    service.disable('bob', ROOT);
    await expect(service.startEnrolment(enrolment!.code, ORIGIN)).rejects.toBeInstanceOf(EnrolmentCodeInvalidError);
    expect(() => service.issueEnrolment('root', ROOT)).toThrow(OperatorEnrolledError);
  });

  it('resetting the second factor ends the sessions and the login; the operator enrols again with a new code', async () => {
    const { enrolment } = service.add({ username: 'bob', role: 'responder' }, ROOT);
    const { login } = await enrol(enrolment!.code);
    const reset = service.resetSecondFactor('bob', ROOT);
    expect(reset.enrolledAt).toBeNull();
    await expect(service.authenticate(login.token)).rejects.toBeInstanceOf(OperatorTokenInvalidError);
    now += 30_000;
    await expect(service.login({ username: 'bob', password: PASSWORD, totp: '000000' }, ORIGIN)).rejects.toBeInstanceOf(InvalidCredentialsError);
    const again = service.issueEnrolment('bob', ROOT);
    const { offer } = await enrol(again.code, 'a brand new password');
    now += 30_000;
    await expect(service.login({ username: 'bob', password: 'a brand new password', totp: await code(offer.totp.secret) }, ORIGIN)).resolves.toBeDefined();
    expect(entries.find((e) => e.action === 'operators.reset-second-factor')).toMatchObject({ target: 'bob', details: { sessionsEnded: 1 } });
  });

  it('the last usable security-admin cannot be reset or lowered', () => {
    expect(() => service.resetSecondFactor('root', ROOT)).toThrow(LastSecurityAdminError);
    expect(() => service.setRole('root', 'viewer', ROOT)).toThrow(LastSecurityAdminError);
  });

  it('records who created, raised, re-enabled or handed a code to whom (sponsorships)', () => {
    service.add({ username: 'bob', role: 'viewer' }, ROOT);
    now += 1000;
    service.setRole('bob', 'security-admin', ROOT);
    service.setRole('bob', 'responder', ROOT); // lowering is no sponsorship
    service.disable('bob', ROOT);
    service.enable('bob', ROOT);
    service.issueEnrolment('bob', ROOT);
    service.add({ username: 'carol', role: 'viewer' }, { ...ROOT, actor: { kind: 'system', id: 'fixture' } });
    const rows = store.db.prepare('SELECT o.username, s.sponsor, s.kind FROM operator_sponsorships s JOIN operators o ON o.id = s.operator_id ORDER BY s.rowid').all();
    expect(rows).toEqual([
      { username: 'bob', sponsor: 'root', kind: 'created' },
      { username: 'bob', sponsor: 'root', kind: 'raised' },
      { username: 'bob', sponsor: 'root', kind: 'enabled' },
      { username: 'bob', sponsor: 'root', kind: 'enrolment' },
    ]);
  });

  it('bootstrap makes at most operators.bootstrapAdmins security-admins, the later ones as enrolment codes', async () => {
    const second = service.bootstrapEnrolment({ username: 'second' }, ORIGIN);
    expect(second.operator).toMatchObject({ role: 'security-admin', createdBy: 'bootstrap', enrolledAt: null });
    expect(() => service.bootstrapEnrolment({ username: 'third' }, ORIGIN)).toThrow(BootstrapDoneError);
    await expect(service.bootstrap({ username: 'fourth', password: PASSWORD }, ORIGIN)).rejects.toBeInstanceOf(BootstrapDoneError);
    await enrol(second.enrolment!.code);
    policy = { ...DEFAULT_POLICY, operators: { ...DEFAULT_POLICY.operators, bootstrapAdmins: 3 } };
    expect(service.bootstrapEnrolment({ username: 'third' }, ORIGIN).operator.username).toBe('third');
  });

  it('KEK rewrap skips operators who have not enrolled and re-wraps an offered TOTP secret', async () => {
    const { enrolment } = service.add({ username: 'bob', role: 'viewer' }, ROOT);
    const offer = await service.startEnrolment(enrolment!.code, ORIGIN);
    service.add({ username: 'carol', role: 'viewer' }, ROOT);
    store.close();
    const newKek = randomBytes(32);
    rewrapKek({ dataDir: dir, currentKek: kek, newKek, actor: { kind: 'operator', id: 'root' }, reason: 'KEK rotation with an enrolment open' });
    store = openStore({ dataDir: dir, clock: { now: () => now } });
    const after = createOperatorService({ store, kek: newKek, issuer: 'http://authority.test', policy: { current: () => policy }, clock: { now: () => now }, passwordHashCost: FAST });
    await expect(after.completeEnrolment({ code: enrolment!.code, password: PASSWORD, totp: await code(offer.totp.secret) }, ORIGIN)).resolves.toBeDefined();
  });
});
