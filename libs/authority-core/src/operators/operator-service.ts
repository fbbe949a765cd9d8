import { randomUUID } from 'node:crypto';
import type { Actor } from '@revmesh/contracts';
import type { AuditContext, AuditOutcome } from '../audit/audit-context';
import type { AnonymousRefusalAudit } from '../audit/anonymous-refusals';
import type { AuditLog } from '../audit/audit-log';
import {
  BootstrapDoneError,
  EnrolmentCodeInvalidError,
  InvalidCredentialsError,
  LastSecurityAdminError,
  LoginThrottledError,
  OperatorEnrolledError,
  OperatorNotFoundError,
  OperatorTokenInvalidError,
  type AuthorityError,
} from '../errors/errors';
import { openSealedKey, sealKey } from '../keys/envelope';
import type { PolicySource } from '../policy/policy-document';
import type { AuthorityStore } from '../store/store';
import { systemClock, type Clock } from '../time/clock';
import { addressSubject, createLoginThrottle, userSubject } from './login-throttle';
import {
  checkPassword,
  checkUsername,
  USERNAME_PATTERN,
  type AuthenticatedOperator,
  type CreatedOperator,
  type EnrolmentCode,
  type EnrolmentOffer,
  type InvitedOperator,
  type Operator,
  type OperatorLogin,
} from './operator';
import { ENROLMENT_CODE_PATTERN, enrolmentCodeHash, enrolmentTotpSealContext, newEnrolmentCode } from './enrolment-code';
import { createEnrolmentStore, type EnrolmentRecord } from './enrolment-store';
import { createOperatorStore, type OperatorRecord } from './operator-store';
import { createSponsorshipStore } from './sponsorships';
import { createOperatorTokens } from './operator-tokens';
import { createPasswordHasher, type PasswordHashCost } from './password-hasher';
import { isRole, roleAtLeast, type Role } from './roles';
import { checkTotp, newTotpSecret, operatorTotpSealContext, totpUri } from './totp';

/** Where a login or step-up comes from: recorded in the audit log, the address also throttled. */
export interface RequestOrigin {
  readonly sourceAddress: string | null;
  readonly requestId: string | null;
}

export interface LoginCredentials {
  readonly username: string;
  readonly password: string;
  /** The current 6-digit TOTP code. */
  readonly totp: string;
}

/** A new operator: they set their own password and TOTP with the enrolment code. */
export interface NewOperator {
  readonly username: string;
  readonly role: Role;
}

/** What completing an enrolment takes: the code, the person's own password, a code of the offered TOTP secret. */
export interface EnrolmentCompletion {
  readonly code: string;
  readonly password: string;
  readonly totp: string;
}

/**
 * Operator accounts, their logins and sessions: passwords (argon2id), TOTP second factor
 * (RFC 6238, each code good once), short-lived operator tokens, step-up, brute-force throttling.
 * Every change and every login attempt is appended to the audit log in the transaction that
 * makes it.
 */
export interface OperatorService {
  /**
   * Creates the first security-admin. The TOTP enrolment is returned here and never again.
   * @throws {BootstrapDoneError} when any security-admin exists (enabled or disabled).
   * @throws {TypeError} for a username or password outside the rules of operator.ts.
   */
  bootstrap(input: { readonly username: string; readonly password: string }, origin: RequestOrigin): Promise<CreatedOperator>;
  /**
   * One of the initial security-admins, as an enrolment code for that person (the bootstrap
   * token holder never sees their password or TOTP): allowed while fewer than the policy's
   * `operators.bootstrapAdmins` operators were created by bootstrap.
   * @throws {BootstrapDoneError} when that many were.
   * @throws {OperatorExistsError} / {TypeError} as {@link add}.
   */
  bootstrapEnrolment(input: { readonly username: string }, origin: RequestOrigin): InvitedOperator;
  /**
   * Adds an operator who must enrol (set their own password and TOTP) with the returned code;
   * `context.actor` becomes its `createdBy` and its sponsor. Not gated here: a security-admin is
   * created through the approval gate (`operators.add-security-admin`), whose executor passes
   * `issueCode: false` so that no code lands in the stored approval.
   * @throws {OperatorExistsError} when the username is taken (case-insensitively).
   * @throws {TypeError} for a username or role outside the rules.
   */
  add(input: NewOperator, context: AuditContext, options?: { readonly issueCode?: boolean }): InvitedOperator;
  /**
   * A new enrolment code for an operator who has not enrolled (new, or second factor reset);
   * earlier codes of theirs stop working. The issuer becomes a sponsor of the operator.
   * @throws {OperatorNotFoundError} / {OperatorEnrolledError} (enrolled: reset the second factor first).
   */
  issueEnrolment(username: string, context: AuditContext): EnrolmentCode;
  /**
   * First step of an enrolment: checks the code and offers a new TOTP secret (shown to the
   * person enrolling only). May be repeated until completed; each call offers a new secret.
   * @throws {EnrolmentCodeInvalidError} for an unknown, expired, used or withdrawn code, or a disabled operator.
   * @throws {LoginThrottledError} when the address failed too often.
   */
  startEnrolment(code: string, origin: RequestOrigin): Promise<EnrolmentOffer>;
  /**
   * Second step: the person's password and a current code of the offered secret. The code is
   * used up, the operator is enrolled, and a session opens (the returned token).
   * @throws {EnrolmentCodeInvalidError} as {@link startEnrolment}, or when no secret was offered.
   * @throws {InvalidCredentialsError} for a wrong TOTP code (the enrolment code stays usable).
   * @throws {TypeError} for a password outside the rules.
   */
  completeEnrolment(input: EnrolmentCompletion, origin: RequestOrigin): Promise<OperatorLogin>;
  /**
   * Sets an operator's role and ends nothing (the role is read on every request). Raising is
   * gated by the approval gate (`operators.raise-role`); the requester becomes a sponsor.
   * @throws {OperatorNotFoundError} / {LastSecurityAdminError} (lowering the last usable security-admin).
   */
  setRole(username: string, role: Role, context: AuditContext): Operator;
  /**
   * Re-enables a disabled operator (gated: `operators.enable`); the requester becomes a sponsor.
   * Enabling an enabled operator changes nothing.
   * @throws {OperatorNotFoundError}
   */
  enable(username: string, context: AuditContext): Operator;
  /**
   * Forgets an operator's password and TOTP and ends their sessions: they enrol again with a
   * code from {@link issueEnrolment} (gated: `operators.reset-second-factor`).
   * @throws {OperatorNotFoundError} / {LastSecurityAdminError} (the last usable security-admin).
   */
  resetSecondFactor(username: string, context: AuditContext): Operator;
  list(): Operator[];
  /**
   * Disables an operator and ends its sessions at once. Disabling a disabled operator changes nothing.
   * @throws {OperatorNotFoundError} for an unknown username.
   * @throws {LastSecurityAdminError} when it is the last enabled security-admin.
   */
  disable(username: string, context: AuditContext): Operator;
  /**
   * Password + TOTP → a new session and its operator token.
   * @throws {LoginThrottledError} when the username or the address is locked out, whatever the credentials.
   * @throws {InvalidCredentialsError} for an unknown operator, a wrong password, a wrong or
   *   already used code, or a disabled operator, indistinguishably.
   */
  login(credentials: LoginCredentials, origin: RequestOrigin): Promise<OperatorLogin>;
  /**
   * A fresh second factor for an open session: a new token of the same session with a new `auth_time`.
   * @throws {LoginThrottledError} / {InvalidCredentialsError} as {@link login}.
   */
  stepUp(session: AuthenticatedOperator, totp: string, origin: RequestOrigin): Promise<OperatorLogin>;
  /** Ends the session: its tokens are refused from now on. */
  logout(session: AuthenticatedOperator, origin: RequestOrigin): void;
  /**
   * Verifies an operator token (signature, `typ`, audience, expiry), its session (open) and its
   * operator (enabled).
   * @throws {OperatorTokenInvalidError} otherwise.
   */
  authenticate(token: string): Promise<AuthenticatedOperator>;
}

export interface OperatorServiceOptions {
  readonly store: AuthorityStore;
  /** Seals TOTP secrets and derives the operator-token key (HKDF). */
  readonly kek: Buffer;
  /** `iss` of operator tokens, and the issuer shown by authenticator apps' entries. */
  readonly issuer: string;
  /** `operators.*` (session, lockout) of the current security policy. */
  readonly policy: PolicySource;
  /** Where logins, bootstrap, add, disable, step-up and logout are recorded. Absent: not recorded. */
  readonly audit?: AuditLog;
  /**
   * Where refusals of callers who did not authenticate (failed or throttled logins and
   * enrolments) are recorded, within the budget every unauthenticated route shares. Absent: they
   * go to `audit` like the rest.
   */
  readonly anonymousRefusals?: AnonymousRefusalAudit;
  readonly clock?: Clock;
  /** argon2id cost. Default: OWASP's minimum. Tests lower it. */
  readonly passwordHashCost?: PasswordHashCost;
  /** Name of the entry in authenticator apps. Default `revmesh`. */
  readonly totpIssuer?: string;
}

const BOOTSTRAP_ACTOR: Actor = { kind: 'system', id: 'bootstrap' };
/** Actions whose caller has not authenticated: their refusals are audited within the anonymous budget. */
const UNAUTHENTICATED_ACTIONS: ReadonlySet<string> = new Set(['operators.login', 'operators.enrol-start', 'operators.enrol']);

function view(record: OperatorRecord): Operator {
  const { id, username, role, createdAt, createdBy, disabledAt, enrolledAt } = record;
  return { id, username, role, createdAt, createdBy, disabledAt, enrolledAt };
}

/** An audit actor for what someone typed as a username (never empty, within the actor id bounds). */
function claimedActor(username: string): Actor {
  const id = username.slice(0, 200);
  return { kind: 'operator', id: id === '' ? '(empty)' : id };
}

export function createOperatorService(options: OperatorServiceOptions): OperatorService {
  const { store, kek, issuer, policy } = options;
  const clock = options.clock ?? systemClock;
  const operators = createOperatorStore(store);
  const enrolments = createEnrolmentStore(store);
  const sponsorships = createSponsorshipStore(store);
  const throttle = createLoginThrottle(store);
  const tokens = createOperatorTokens({ kek, issuer });
  const hasher = createPasswordHasher(options.passwordHashCost);
  const totpIssuer = options.totpIssuer ?? 'revmesh';

  const totpContext = operatorTotpSealContext;
  const totpSecretOf = (record: OperatorRecord): string =>
    openSealedKey(record.sealedTotpSecret, kek, totpContext(record.id)).toString('utf8');

  const audit = (
    action: string,
    outcome: AuditOutcome,
    target: string | null,
    context: AuditContext,
    details?: Readonly<Record<string, unknown>>,
  ): void => {
    options.audit?.append({ action, outcome, target, context, ...(details === undefined ? {} : { details }) });
  };
  /** A refusal: within the anonymous budget when nobody authenticated, else always. */
  const denied = (action: string, target: string, context: AuditContext, details: Readonly<Record<string, unknown>>): void => {
    if (options.anonymousRefusals !== undefined && UNAUTHENTICATED_ACTIONS.has(action)) options.anonymousRefusals.append({ action, target, context, details });
    else audit(action, 'denied', target, context, details);
  };
  const originContext = (actor: Actor, role: Role | null, origin: RequestOrigin): AuditContext => ({
    actor,
    role,
    justification: null,
    requestId: origin.requestId,
    sourceAddress: origin.sourceAddress,
  });
  const subjectsOf = (username: string, origin: RequestOrigin): string[] => [
    userSubject(username),
    ...(origin.sourceAddress === null ? [] : [addressSubject(origin.sourceAddress)]),
  ];

  // Attempts on one username or from one address run one after the other: otherwise a burst of
  // parallel guesses all pass the lock check while the first ones are still hashing (argon2 runs
  // off the event loop), and the lockout counts them only once they are all in.
  const inFlight = new Map<string, Promise<void>>();
  const oneAtATime = async <T>(subjects: readonly string[], attempt: () => Promise<T>): Promise<T> => {
    const before = subjects.map((subject) => inFlight.get(subject));
    let done = (): void => undefined;
    const mine = new Promise<void>((resolve) => (done = resolve));
    for (const subject of subjects) inFlight.set(subject, mine);
    try {
      await Promise.all(before);
      return await attempt();
    } finally {
      done();
      for (const subject of subjects) if (inFlight.get(subject) === mine) inFlight.delete(subject);
    }
  };

  /** Refuses a locked subject before looking at any credential (and audits the refusal). */
  const refuseIfLocked = (action: string, subjects: readonly string[], context: AuditContext, target: string): void => {
    const now = clock.now();
    const until = throttle.lockedUntil(subjects, now);
    if (until === null) return;
    store.transaction(() => denied(action, target, context, { reason: 'throttled' }));
    throw new LoginThrottledError(Math.max(1, Math.ceil((until - now) / 1000)));
  };
  const fail = (
    action: string,
    subjects: readonly string[],
    context: AuditContext,
    target: string,
    reason: string,
    error: AuthorityError = new InvalidCredentialsError(),
  ): never => {
    store.transaction(() => {
      throttle.recordFailure(subjects, clock.now(), policy.current().operators);
      denied(action, target, context, { reason });
    });
    throw error;
  };

  /** The first security-admin, enrolled at once with the password given (bootstrap only). */
  async function create(
    input: NewOperator & { readonly password: string },
    createdBy: string,
    inTransaction: (record: OperatorRecord) => void,
  ): Promise<CreatedOperator> {
    checkUsername(input.username);
    checkPassword(input.password);
    if (!isRole(input.role)) throw new TypeError(`unknown role ${JSON.stringify(input.role)}`);
    const id = randomUUID();
    const secret = newTotpSecret();
    const record: OperatorRecord = {
      id,
      username: input.username,
      role: input.role,
      createdAt: clock.now(),
      createdBy,
      disabledAt: null,
      passwordHash: await hasher.hash(input.password),
      sealedTotpSecret: JSON.stringify(sealKey(Buffer.from(secret, 'utf8'), kek, totpContext(id))),
      totpLastStep: null,
      enrolledAt: clock.now(),
    };
    store.transaction(() => inTransaction(record));
    return { operator: view(record), totp: { secret, otpauthUri: totpUri(totpIssuer, input.username, secret) } };
  }

  /** A record of an operator who has yet to enrol: no password, no TOTP secret. */
  function invitedRecord(input: NewOperator, createdBy: string): OperatorRecord {
    checkUsername(input.username);
    if (!isRole(input.role)) throw new TypeError(`unknown role ${JSON.stringify(input.role)}`);
    return {
      id: randomUUID(),
      username: input.username,
      role: input.role,
      createdAt: clock.now(),
      createdBy,
      disabledAt: null,
      enrolledAt: null,
      passwordHash: '',
      sealedTotpSecret: '',
      totpLastStep: null,
    };
  }

  /** Inside a transaction: withdraws the operator's open codes and stores a new one. */
  function issueCodeInTx(record: OperatorRecord, issuedBy: string): EnrolmentCode {
    const now = clock.now();
    enrolments.revokeOpenOf(record.id, now);
    const code = newEnrolmentCode();
    const expiresAt = now + policy.current().operators.enrolmentCodeSeconds * 1000;
    enrolments.insert({ id: randomUUID(), operatorId: record.id, codeSha256: enrolmentCodeHash(code), issuedBy, issuedAt: now, expiresAt });
    return { code, expiresAt };
  }

  const mustFind = (username: string): OperatorRecord => {
    const record = operators.find(username);
    if (record === undefined) throw new OperatorNotFoundError(username);
    return record;
  };
  /** An operator's own actions are sponsorships; the system's (fixtures, bootstrap) are not. */
  const sponsor = (record: OperatorRecord, context: AuditContext, kind: 'created' | 'raised' | 'enabled' | 'enrolment'): void => {
    if (context.actor.kind === 'operator') sponsorships.record(record.id, context.actor.id, kind, clock.now());
  };
  /** Refuses a change that would leave no enabled, enrolled security-admin. */
  const keepOneAdmin = (record: OperatorRecord): void => {
    const usable = record.role === 'security-admin' && record.disabledAt === null && record.enrolledAt !== null;
    if (usable && operators.countSecurityAdmins(true) <= 1) throw new LastSecurityAdminError(record.username);
  };

  /** The open enrolment a code names, with its operator; refuses (audited, throttled) anything else. */
  const openEnrolment = (action: string, code: string, origin: RequestOrigin): { enrolment: EnrolmentRecord; record: OperatorRecord } => {
    const subjects = origin.sourceAddress === null ? [] : [addressSubject(origin.sourceAddress)];
    const found = ENROLMENT_CODE_PATTERN.test(code) ? enrolments.findByCodeHash(enrolmentCodeHash(code)) : undefined;
    const record = found === undefined ? undefined : operators.findById(found.operatorId);
    const context = originContext(record === undefined ? { kind: 'system', id: 'enrolment' } : { kind: 'operator', id: record.username }, record?.role ?? null, origin);
    const target = record?.username ?? null;
    refuseIfLocked(action, subjects, context, target ?? '(unknown code)');
    const refuse = (reason: string): never => fail(action, subjects, context, target ?? '(unknown code)', reason, new EnrolmentCodeInvalidError());
    if (found === undefined || record === undefined) return refuse('unknown-code');
    if (found.usedAt !== null) return refuse('code-used');
    if (found.revokedAt !== null) return refuse('code-withdrawn');
    if (clock.now() >= found.expiresAt) return refuse('code-expired');
    if (record.disabledAt !== null) return refuse('disabled');
    if (record.enrolledAt !== null) return refuse('enrolled');
    return { enrolment: found, record };
  };

  async function issue(record: OperatorRecord, sid: string, authTimeMs: number, expiresAtMs: number): Promise<OperatorLogin> {
    const iat = Math.floor(clock.now() / 1000);
    const exp = Math.floor(expiresAtMs / 1000);
    const authTime = Math.floor(authTimeMs / 1000);
    const token = await tokens.sign({ sub: record.username, role: record.role, sid, auth_time: authTime, iat, exp });
    return { token, expiresIn: exp - iat, authTime: authTime * 1000, operator: { username: record.username, role: record.role } };
  }

  return {
    bootstrap(input, origin) {
      const context = originContext(BOOTSTRAP_ACTOR, null, origin);
      return create({ ...input, role: 'security-admin' }, BOOTSTRAP_ACTOR.id, (record) => {
        // Checked in the transaction that inserts: two concurrent bootstraps cannot both win.
        if (operators.countSecurityAdmins(false) > 0) throw new BootstrapDoneError();
        operators.insert(record);
        audit('operators.bootstrap', 'succeeded', record.username, context, { role: record.role });
      });
    },

    bootstrapEnrolment(input, origin) {
      const context = originContext(BOOTSTRAP_ACTOR, null, origin);
      const record = invitedRecord({ username: input.username, role: 'security-admin' }, BOOTSTRAP_ACTOR.id);
      return store.transaction(() => {
        // Counted in the transaction that inserts: concurrent bootstraps cannot exceed the limit.
        if (operators.countCreatedBy(BOOTSTRAP_ACTOR.id) >= policy.current().operators.bootstrapAdmins) throw new BootstrapDoneError();
        operators.insert(record);
        const enrolment = issueCodeInTx(record, BOOTSTRAP_ACTOR.id);
        audit('operators.bootstrap', 'succeeded', record.username, context, { role: record.role, enrolment: true, enrolmentExpiresAt: enrolment.expiresAt });
        return { operator: view(record), enrolment };
      });
    },

    add(input, context, addOptions) {
      const record = invitedRecord(input, context.actor.id);
      return store.transaction(() => {
        operators.insert(record);
        sponsor(record, context, 'created');
        const enrolment = addOptions?.issueCode === false ? null : issueCodeInTx(record, context.actor.id);
        audit('operators.add', 'succeeded', record.username, context, {
          role: record.role,
          ...(enrolment === null ? {} : { enrolmentExpiresAt: enrolment.expiresAt }),
        });
        return { operator: view(record), enrolment };
      });
    },

    issueEnrolment(username, context) {
      return store.transaction(() => {
        const record = mustFind(username);
        if (record.enrolledAt !== null) throw new OperatorEnrolledError(record.username);
        sponsor(record, context, 'enrolment');
        const enrolment = issueCodeInTx(record, context.actor.id);
        audit('operators.enrolment-code', 'succeeded', record.username, context, { expiresAt: enrolment.expiresAt });
        return enrolment;
      });
    },

    async startEnrolment(code, origin) {
      const { enrolment, record } = openEnrolment('operators.enrol-start', code, origin);
      const secret = newTotpSecret();
      store.transaction(() => {
        enrolments.offerTotp(enrolment.id, JSON.stringify(sealKey(Buffer.from(secret, 'utf8'), kek, enrolmentTotpSealContext(enrolment.id))));
        audit('operators.enrol-start', 'succeeded', record.username, originContext({ kind: 'operator', id: record.username }, record.role, origin));
      });
      return { username: record.username, role: record.role, totp: { secret, otpauthUri: totpUri(totpIssuer, record.username, secret) }, expiresAt: enrolment.expiresAt };
    },

    async completeEnrolment(input, origin) {
      const { enrolment, record } = openEnrolment('operators.enrol', input.code, origin);
      const context = originContext({ kind: 'operator', id: record.username }, record.role, origin);
      const subjects = origin.sourceAddress === null ? [] : [addressSubject(origin.sourceAddress)];
      if (enrolment.sealedTotpSecret === null) {
        return fail('operators.enrol', subjects, context, record.username, 'not-started', new EnrolmentCodeInvalidError());
      }
      checkPassword(input.password);
      const secret = openSealedKey(enrolment.sealedTotpSecret, kek, enrolmentTotpSealContext(enrolment.id)).toString('utf8');
      const totp = await checkTotp(secret, input.totp, clock.now(), null);
      if (!totp.valid) return fail('operators.enrol', subjects, context, record.username, 'wrong-totp');
      const passwordHash = await hasher.hash(input.password);
      const sid = randomUUID();
      const now = clock.now();
      const expiresAt = now + policy.current().operators.sessionSeconds * 1000;
      const enrolled = store.transaction(() => {
        // Single use: of two concurrent completions with one code, one wins.
        if (!enrolments.markUsed(enrolment.id, now)) return false;
        enrolments.revokeOpenOf(record.id, now);
        operators.setCredentials(record.id, {
          passwordHash,
          sealedTotpSecret: JSON.stringify(sealKey(Buffer.from(secret, 'utf8'), kek, totpContext(record.id))),
          // The code just shown is spent: it cannot log in again.
          totpLastStep: totp.step,
          at: now,
        });
        operators.openSession({ sid, operatorId: record.id, createdAt: now, expiresAt, endedAt: null, sourceAddress: origin.sourceAddress });
        audit('operators.enrol', 'succeeded', record.username, context, { sid, issuedBy: enrolment.issuedBy });
        return true;
      });
      if (!enrolled) return fail('operators.enrol', subjects, context, record.username, 'code-used', new EnrolmentCodeInvalidError());
      return issue({ ...record, enrolledAt: now }, sid, now, expiresAt);
    },

    setRole(username, role, context) {
      if (!isRole(role)) throw new TypeError(`unknown role ${JSON.stringify(role)}`);
      return store.transaction(() => {
        const record = mustFind(username);
        if (record.role === role) return view(record);
        if (record.role === 'security-admin') keepOneAdmin(record);
        operators.setRole(record.id, role);
        const raised = roleAtLeast(role, record.role);
        if (raised) sponsor(record, context, 'raised');
        audit('operators.set-role', 'succeeded', record.username, context, { from: record.role, to: role });
        return { ...view(record), role };
      });
    },

    enable(username, context) {
      return store.transaction(() => {
        const record = mustFind(username);
        if (record.disabledAt === null) return view(record);
        operators.enable(record.id);
        sponsor(record, context, 'enabled');
        audit('operators.enable', 'succeeded', record.username, context, { disabledAt: record.disabledAt });
        return { ...view(record), disabledAt: null };
      });
    },

    resetSecondFactor(username, context) {
      return store.transaction(() => {
        const record = mustFind(username);
        keepOneAdmin(record);
        const now = clock.now();
        operators.clearCredentials(record.id);
        const sessionsEnded = operators.endSessionsOf(record.id, now);
        const codesWithdrawn = enrolments.revokeOpenOf(record.id, now);
        audit('operators.reset-second-factor', 'succeeded', record.username, context, { sessionsEnded, codesWithdrawn });
        return { ...view(record), enrolledAt: null };
      });
    },

    list: () => operators.list().map(view),

    disable(username, context) {
      return store.transaction(() => {
        const record = operators.find(username);
        if (record === undefined) throw new OperatorNotFoundError(username);
        if (record.disabledAt !== null) return view(record);
        if (record.role === 'security-admin' && operators.countSecurityAdmins(true) <= 1) {
          throw new LastSecurityAdminError(record.username);
        }
        const now = clock.now();
        operators.disable(record.id, now);
        const sessionsEnded = operators.endSessionsOf(record.id, now);
        audit('operators.disable', 'succeeded', record.username, context, { sessionsEnded });
        return { ...view(record), disabledAt: now };
      });
    },

    async login(credentials, origin) {
      const { username, password, totp } = credentials;
      const subjects = subjectsOf(username, origin);
      return oneAtATime(subjects, async () => {
        // Read once it is this attempt's turn: an earlier one may have used a code meanwhile.
        const found = USERNAME_PATTERN.test(username) ? operators.find(username) : undefined;
        const context = originContext(claimedActor(found?.username ?? username), found?.role ?? null, origin);
        const target = found?.username ?? username.slice(0, 200);
        refuseIfLocked('operators.login', subjects, context, target);

        if (found === undefined) {
          // Same work as a real check: the answer time does not tell whether the operator exists.
          await hasher.verifyDummy(password);
          return fail('operators.login', subjects, context, target, 'unknown-operator');
        }
        if (found.enrolledAt === null) {
          // Not enrolled: there is no password to check; same work as a real check.
          await hasher.verifyDummy(password);
          return fail('operators.login', subjects, context, target, 'not-enrolled');
        }
        if (!(await hasher.verify(found.passwordHash, password))) return fail('operators.login', subjects, context, target, 'wrong-password');
        if (found.disabledAt !== null) return fail('operators.login', subjects, context, target, 'disabled');
        const code = await checkTotp(totpSecretOf(found), totp, clock.now(), found.totpLastStep);
        if (!code.valid) return fail('operators.login', subjects, context, target, 'wrong-totp');

        const sid = randomUUID();
        const now = clock.now();
        const expiresAt = now + policy.current().operators.sessionSeconds * 1000;
        const opened = store.transaction(() => {
          // A concurrent login with the same code got there first: a code is good once.
          if (!operators.claimTotpStep(found.id, code.step)) return false;
          throttle.reset(userSubject(username));
          operators.openSession({ sid, operatorId: found.id, createdAt: now, expiresAt, endedAt: null, sourceAddress: origin.sourceAddress });
          audit('operators.login', 'succeeded', found.username, context, { sid });
          return true;
        });
        if (!opened) return fail('operators.login', subjects, context, target, 'wrong-totp');
        return issue(found, sid, now, expiresAt);
      });
    },

    async stepUp(session, totp, origin) {
      const subjects = subjectsOf(session.username, origin);
      const context = originContext({ kind: 'operator', id: session.username }, session.role, origin);
      return oneAtATime(subjects, async () => {
        refuseIfLocked('operators.step-up', subjects, context, session.username);
        const record = operators.findById(session.operatorId);
        const stored = operators.findSession(session.sessionId);
        if (record === undefined || record.disabledAt !== null || record.enrolledAt === null || stored === undefined || stored.endedAt !== null) {
          return fail('operators.step-up', subjects, context, session.username, 'session-ended');
        }
        const code = await checkTotp(totpSecretOf(record), totp, clock.now(), record.totpLastStep);
        if (!code.valid) return fail('operators.step-up', subjects, context, session.username, 'wrong-totp');
        const now = clock.now();
        const claimed = store.transaction(() => {
          if (!operators.claimTotpStep(record.id, code.step)) return false;
          audit('operators.step-up', 'succeeded', record.username, context, { sid: session.sessionId });
          return true;
        });
        if (!claimed) return fail('operators.step-up', subjects, context, session.username, 'wrong-totp');
        // Same session, same expiry: a step-up refreshes the second factor, not the session.
        return issue(record, session.sessionId, now, stored.expiresAt);
      });
    },

    logout(session, origin) {
      const context = originContext({ kind: 'operator', id: session.username }, session.role, origin);
      store.transaction(() => {
        operators.endSession(session.sessionId, clock.now());
        audit('operators.logout', 'succeeded', session.username, context, { sid: session.sessionId });
      });
    },

    async authenticate(token) {
      const now = clock.now();
      const claims = await tokens.verify(token, now);
      const session = operators.findSession(claims.sid);
      if (session === undefined || session.endedAt !== null || session.expiresAt <= now) {
        throw new OperatorTokenInvalidError('session ended');
      }
      const record = operators.findById(session.operatorId);
      if (record === undefined || record.username.toLowerCase() !== claims.sub.toLowerCase()) {
        throw new OperatorTokenInvalidError('session of another operator');
      }
      if (record.disabledAt !== null) throw new OperatorTokenInvalidError('operator disabled');
      if (record.enrolledAt === null) throw new OperatorTokenInvalidError('operator not enrolled');
      return {
        operatorId: record.id,
        username: record.username,
        role: record.role,
        sessionId: session.sid,
        authTime: claims.auth_time * 1000,
        sessionExpiresAt: session.expiresAt,
      };
    },
  };
}
