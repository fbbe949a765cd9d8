import { randomBytes } from 'node:crypto';
import { generate } from 'otplib';

/** A logged-in operator of a running authority, as tests and the demo drive it over HTTP. */
export interface OperatorSession {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** Base32 TOTP secret (what an authenticator app would hold). */
  readonly totpSecret: string;
  /** Bearer operator token. */
  token: string;
  /**
   * Calls the authority as this operator. Writes (POST/PUT/DELETE) get `justification` added
   * to their JSON body unless the body has one.
   */
  request(method: string, path: string, body?: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }>;
  /** A fresh second factor (POST /v1/login/step-up). */
  stepUp(): Promise<void>;
}

/** Justification sent by {@link OperatorSession.request} when a write body has none. */
export const DEFAULT_TEST_JUSTIFICATION = 'automated test run: exercising the operator API';

async function call(url: string, method: string, body: unknown, token?: string) {
  const response = await fetch(url, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = { raw: text };
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

/**
 * A TOTP code for `secret` that was not used yet: the authority refuses a code's time step
 * twice (replay protection), so a second login within 30 s waits for the next step.
 */
async function freshTotp(secret: string, used: Set<number>): Promise<string> {
  for (;;) {
    const step = Math.floor(Date.now() / 30_000);
    if (!used.has(step)) {
      used.add(step);
      return generate({ secret });
    }
    await new Promise((resolve) => setTimeout(resolve, 30_000 - (Date.now() % 30_000) + 50));
  }
}

function sessionOf(url: string, username: string, password: string, totpSecret: string, token: string, used: Set<number>): OperatorSession {
  const session: OperatorSession = {
    url,
    username,
    password,
    totpSecret,
    token,
    async request(method, path, body) {
      const write = method !== 'GET' && method !== 'HEAD';
      const payload = write ? { justification: DEFAULT_TEST_JUSTIFICATION, ...body } : body;
      return call(`${url}${path}`, method, payload, session.token);
    },
    async stepUp() {
      const r = await call(`${url}/v1/login/step-up`, 'POST', { totp: await freshTotp(totpSecret, used) }, session.token);
      if (r.status !== 200) throw new Error(`step-up failed: ${r.status} ${JSON.stringify(r.body)}`);
      session.token = String(r.body['token']);
    },
  };
  return session;
}

/** Logs in with password and a TOTP computed from the secret. */
export async function loginOperator(url: string, username: string, password: string, totpSecret: string, used = new Set<number>()): Promise<OperatorSession> {
  const r = await call(`${url}/v1/login`, 'POST', { username, password, totp: await freshTotp(totpSecret, used) });
  if (r.status !== 200) throw new Error(`login of ${username} failed: ${r.status} ${JSON.stringify(r.body)}`);
  return sessionOf(url, username, password, totpSecret, String(r.body['token']), used);
}

/** Creates the first security-admin (POST /v1/bootstrap) and logs in as them. */
export async function bootstrapOperator(url: string, bootstrapToken: string, username = 'admin'): Promise<OperatorSession> {
  const password = randomBytes(18).toString('base64url');
  const r = await call(`${url}/v1/bootstrap`, 'POST', { username, password }, bootstrapToken);
  if (r.status !== 201) throw new Error(`bootstrap failed: ${r.status} ${JSON.stringify(r.body)}`);
  const totp = r.body['totp'] as { secret: string };
  return loginOperator(url, username, password, totp.secret);
}

/**
 * Enrols the holder of an enrolment code over HTTP, as `revmesh enrol` does: `POST /v1/enrol/start`
 * (the TOTP secret is offered), then `POST /v1/enrol` with a random password and a code of that
 * secret. Returns the session the enrolment opened.
 */
export async function enrolOperator(url: string, code: string): Promise<OperatorSession> {
  const started = await call(`${url}/v1/enrol/start`, 'POST', { code });
  if (started.status !== 200) throw new Error(`enrolment start failed: ${started.status} ${JSON.stringify(started.body)}`);
  const username = String(started.body['username']);
  const totpSecret = (started.body['totp'] as { secret: string }).secret;
  const password = randomBytes(18).toString('base64url');
  const used = new Set<number>();
  const r = await call(`${url}/v1/enrol`, 'POST', { code, password, totp: await freshTotp(totpSecret, used) });
  if (r.status !== 200) throw new Error(`enrolment of ${username} failed: ${r.status} ${JSON.stringify(r.body)}`);
  return sessionOf(url, username, password, totpSecret, String(r.body['token']), used);
}

/**
 * Creates a viewer or responder through `admin` (POST /v1/operators) and enrols them with the
 * enrolment code (the person would). A security-admin cannot be made this way: creating one
 * waits for a second admin's approval; see {@link bootstrapEnrolledAdmin} for the initial ones.
 */
export async function addOperator(admin: OperatorSession, username: string, role: 'viewer' | 'responder'): Promise<OperatorSession> {
  const r = await admin.request('POST', '/v1/operators', { username, role });
  if (r.status !== 201) throw new Error(`adding operator ${username} failed: ${r.status} ${JSON.stringify(r.body)}`);
  const enrolment = r.body['enrolment'] as { code: string };
  return enrolOperator(admin.url, enrolment.code);
}

/**
 * One of the initial security-admins after the first (POST /v1/bootstrap without a password,
 * with the bootstrap token): the enrolment code goes to that person, who enrols. Allowed while
 * fewer than the policy's `operators.bootstrapAdmins` (default 2) were bootstrapped.
 */
export async function bootstrapEnrolledAdmin(url: string, bootstrapToken: string, username: string): Promise<OperatorSession> {
  const r = await call(`${url}/v1/bootstrap`, 'POST', { username }, bootstrapToken);
  if (r.status !== 201) throw new Error(`bootstrap of ${username} failed: ${r.status} ${JSON.stringify(r.body)}`);
  const enrolment = r.body['enrolment'] as { code: string };
  return enrolOperator(url, enrolment.code);
}
