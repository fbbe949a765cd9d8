import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoggerService } from '@nestjs/common';
import { systemAuditContext, type AuthorityCore, type Clock, type PasswordHashCost, type Role } from '@revmesh/authority-core';
import type { TopicSpec } from '@revmesh/contracts';
import { createTestDatabase } from '@revmesh/test-support';
import type { EventTransport, OutgoingRecord, RecordPublisher } from '@revmesh/transport';
import { generate } from 'otplib';
import { bootstrapAuthority, type BootstrapOptions, type RunningAuthority } from '../bootstrap';
import { DEFAULT_HTTP_LIMITS, type AuthorityConfig } from '../config/config';

/** Password of every operator the fixture creates. */
export const TEST_PASSWORD = 'test-operator-password-0123';
/** Added to write requests by {@link AuthorityFixture.request} unless told otherwise. */
export const DEFAULT_JUSTIFICATION = 'automated test: exercising the authority API';
/** argon2id at its cheapest: the suites hash a few passwords per test. Never in production. */
export const FAST_PASSWORD_HASH: PasswordHashCost = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
/** REVMESH_BOOTSTRAP_TOKEN of the fixture's authority. */
export const TEST_BOOTSTRAP_TOKEN = 'bootstrap-'.padEnd(48, 'b');

/** An in-memory broker: topics remembered, published records collected. */
export class FakeTransport implements EventTransport {
  readonly topics: TopicSpec[] = [];
  readonly published: OutgoingRecord[] = [];
  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    this.topics.push(...specs);
  }
  createPublisher(): RecordPublisher {
    return {
      connect: async () => undefined,
      publish: async (records) => {
        this.published.push(...records);
      },
      disconnect: async () => undefined,
    };
  }
  createReader(): never {
    throw new Error('the authority reads the acks topic through Nest, not the transport');
  }
  async close(): Promise<void> {}
}

export const silentLogger: LoggerService = { log: () => undefined, error: () => undefined, warn: () => undefined };

/** Real time plus an offset the test moves forward (step-up windows, lockouts, token expiry). */
export class TestClock implements Clock {
  private offsetMs = 0;
  readonly now = (): number => Date.now() + this.offsetMs;
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

/** An operator the fixture created in-process and logged in. */
export interface TestOperator {
  readonly username: string;
  readonly role: Role;
  readonly password: string;
  /** Base32 TOTP secret. */
  readonly totpSecret: string;
  /** Bearer operator token of its login. */
  readonly token: string;
  /** `{ authorization: 'Bearer <token>' }`. */
  readonly headers: Readonly<Record<string, string>>;
}

type Injected = Awaited<ReturnType<RunningAuthority['app']['inject']>>;
type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface FixtureRequest {
  readonly method: Method;
  readonly url: string;
  readonly payload?: unknown;
  /** Who calls: a role (the fixture's operator of that role), an operator, or nobody (`null`). Default `security-admin`. */
  readonly as?: Role | TestOperator | null;
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Justification added to an object body of a write request (not to the session routes).
   * Default {@link DEFAULT_JUSTIFICATION}; `null` sends none. A body with its own is left alone.
   */
  readonly justification?: string | null;
  readonly remoteAddress?: string;
}

export interface AuthorityFixture {
  readonly authority: RunningAuthority;
  readonly transport: FakeTransport;
  readonly config: AuthorityConfig;
  readonly clock: TestClock;
  /** The fixture's operator of `role` (created and logged in on first use; the admin is bootstrapped). */
  operator(role: Role): Promise<TestOperator>;
  /** A new operator of `role`, logged in. */
  newOperator(role: Role, username?: string): Promise<TestOperator>;
  /** The current TOTP code of an operator at the fixture clock's time. */
  totp(operator: Pick<TestOperator, 'totpSecret'>): Promise<string>;
  /** An HTTP request through `app.inject`, authenticated and justified as {@link FixtureRequest} says. */
  request(request: FixtureRequest): Promise<Injected>;
  close(): Promise<void>;
}

/** The TOTP code of `operator` at the time of `clock`. */
export function totpAt(operator: Pick<TestOperator, 'totpSecret'>, clock: Clock): Promise<string> {
  return generate({ secret: operator.totpSecret, epoch: Math.floor(clock.now() / 1000) });
}

/**
 * Creates an operator in-process (bootstrapped when it is the first security-admin, else added
 * by the system and enrolled with its enrolment code, as the person would) and logs it in with
 * a TOTP code computed at the core's clock.
 */
export async function createTestOperator(core: AuthorityCore, role: Role, username: string): Promise<TestOperator> {
  const origin = { sourceAddress: null, requestId: null };
  const hasAdmin = core.operators.list().some((o) => o.role === 'security-admin');
  if (role === 'security-admin' && !hasAdmin) {
    const created = await core.operators.bootstrap({ username, password: TEST_PASSWORD }, origin);
    const totpSecret = created.totp.secret;
    const login = await core.operators.login({ username, password: TEST_PASSWORD, totp: await totpAt({ totpSecret }, core.clock) }, origin);
    return { username, role, password: TEST_PASSWORD, totpSecret, token: login.token, headers: { authorization: `Bearer ${login.token}` } };
  }
  const invited = core.operators.add({ username, role }, systemAuditContext('test-fixture', 'operators for the test'));
  if (invited.enrolment === null) throw new Error('the fixture expected an enrolment code');
  return enrolTestOperator(core, invited.enrolment.code, role);
}

/** Completes an enrolment in-process with {@link TEST_PASSWORD}, as the person holding `code` would. */
export async function enrolTestOperator(core: AuthorityCore, code: string, role: Role): Promise<TestOperator> {
  const origin = { sourceAddress: null, requestId: null };
  const offer = await core.operators.startEnrolment(code, origin);
  const totpSecret = offer.totp.secret;
  const login = await core.operators.completeEnrolment({ code, password: TEST_PASSWORD, totp: await totpAt({ totpSecret }, core.clock) }, origin);
  return { username: offer.username, role, password: TEST_PASSWORD, totpSecret, token: login.token, headers: { authorization: `Bearer ${login.token}` } };
}

/** Routes that act on the caller's session or are public: no justification is added. */
const NO_JUSTIFICATION = /^\/(v1\/(login|login\/step-up|logout|bootstrap|enrol)|oauth\/)/;

/**
 * A started authority (no port) on a temp folder, demo client seeded, in-memory broker, a
 * movable clock, cheap password hashing, and helpers to act as operators of each role.
 */
export async function startTestAuthority(overrides: Partial<AuthorityConfig> = {}, options: BootstrapOptions = {}): Promise<AuthorityFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'revmesh-http-'));
  // REVMESH_TEST_STORE_ENGINE=postgres: the authority stores into a database of its own on the tests' PostgreSQL.
  const database = process.env['REVMESH_TEST_STORE_ENGINE'] === 'postgres' ? await createTestDatabase('http_authority') : undefined;
  const transport = new FakeTransport();
  const clock = new TestClock();
  const config: AuthorityConfig = {
    port: 0,
    host: '127.0.0.1',
    http: DEFAULT_HTTP_LIMITS,
    kafkaBrokers: ['127.0.0.1:1'],
    dataDir: dir,
    issuer: 'http://authority.test',
    bootstrapToken: TEST_BOOTSTRAP_TOKEN,
    kek: randomBytes(32),
    topicPrefix: 'http-test.',
    accessTokenTtlSeconds: 120,
    demo: { clientId: 'demo-client', clientSecret: 'demo-secret-0123456789', audience: 'demo-api' },
    outboxPollMs: 20,
    logLevel: 'error',
    rotation: { periodSeconds: 3600, prepublishLeadSeconds: 60, promotionGateTimeoutMs: 300, checkIntervalMs: 1000, eventSignerOverlapSeconds: 60 },
    eventSignerReset: false,
    ...(database === undefined ? {} : { database: { url: database.url, statementTimeoutMs: 30_000, connectTimeoutMs: 10_000 } }),
    ...overrides,
  };
  const authority = await bootstrapAuthority(config, {
    transport,
    listen: false,
    logger: silentLogger,
    clock,
    passwordHashCost: FAST_PASSWORD_HASH,
    ...options,
  });
  const core = authority.core;
  const totp = (operator: Pick<TestOperator, 'totpSecret'>): Promise<string> => totpAt(operator, clock);

  const cached = new Map<Role, Promise<TestOperator>>();
  let created = 0;
  const newOperator = (role: Role, username = `${role}-${++created}`): Promise<TestOperator> => createTestOperator(core, role, username);
  const operator = (role: Role): Promise<TestOperator> => {
    let existing = cached.get(role);
    if (existing === undefined) {
      // The security-admin first: the others are added by it (bootstrap needs an empty store).
      existing = role === 'security-admin' ? newOperator(role, 'admin') : operator('security-admin').then(() => newOperator(role, role));
      cached.set(role, existing);
    }
    return existing;
  };

  return {
    authority,
    transport,
    config,
    clock,
    operator,
    newOperator,
    totp,
    async request(r) {
      const who = r.as === undefined ? 'security-admin' : r.as;
      const auth = who === null ? {} : typeof who === 'string' ? (await operator(who)).headers : who.headers;
      let payload = r.payload;
      const justification = r.justification === undefined ? DEFAULT_JUSTIFICATION : r.justification;
      const write = r.method !== 'GET' && r.method !== 'HEAD';
      if (write && justification !== null && !NO_JUSTIFICATION.test(r.url) && typeof payload === 'object' && payload !== null && !Array.isArray(payload)) {
        if (!('justification' in payload)) payload = { ...payload, justification };
      }
      return authority.app.inject({
        method: r.method,
        url: r.url,
        headers: { ...auth, ...r.headers },
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
        ...(r.remoteAddress === undefined ? {} : { remoteAddress: r.remoteAddress }),
      });
    },
    async close() {
      await authority.close();
      rmSync(dir, { recursive: true, force: true });
      await database?.drop();
    },
  };
}
