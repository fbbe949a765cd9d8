import { Controller, Get, Post, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  DEFAULT_POLICY,
  OperatorTokenInvalidError,
  type AuditEntryInput,
  type AuthenticatedOperator,
  type AuthorityCore,
  type Role,
} from '@revmesh/authority-core';
import { ProblemException } from '../problems/problem';
import { OperatorGuard } from './operator.guard';
import type { OperatorRequest } from './operator-request';
import { Public } from './public.decorator';
import { RequireRole } from './require-role.decorator';
import { SessionRoute } from './session-route.decorator';

const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);
const JUSTIFICATION = 'rotating after the incident review';

@Controller()
class RoutesController {
  @Get() read(): void {}
  @Post() adminWrite(): void {}
  @RequireRole('responder') @Post() responderWrite(): void {}
  @SessionRoute() @RequireRole('viewer') @Post() session(): void {}
}

@Public()
@Controller()
class PublicController {
  @Post() open(): void {}
}

function principal(role: Role, authTime = NOW): AuthenticatedOperator {
  return { operatorId: 'id-1', username: `the-${role}`, role, sessionId: 'sid-1', authTime, sessionExpiresAt: NOW + 3_600_000 };
}

describe('OperatorGuard', () => {
  let audited: AuditEntryInput[];
  let tokens: Map<string, AuthenticatedOperator>;
  let guard: OperatorGuard;

  beforeEach(() => {
    audited = [];
    tokens = new Map([
      ['viewer-token', principal('viewer')],
      ['responder-token', principal('responder')],
      ['admin-token', principal('security-admin')],
      ['stale-admin-token', principal('security-admin', NOW - 601_000)],
    ]);
    const core = {
      clock: { now: () => NOW },
      securityPolicy: { current: () => DEFAULT_POLICY },
      store: { transaction: <T>(fn: () => T): T => fn() },
      audit: {
        append: (entry: AuditEntryInput) => void audited.push(entry),
        // The core's shared budget lets these few through (its own spec covers the cap).
        anonymousRefusals: { append: (entry: Omit<AuditEntryInput, 'outcome'>) => void audited.push({ ...entry, outcome: 'denied' }) },
      },
      operators: {
        authenticate: async (token: string) => {
          const found = tokens.get(token);
          if (found === undefined) throw new OperatorTokenInvalidError('bad signature');
          return found;
        },
      },
    } as unknown as AuthorityCore;
    guard = new OperatorGuard(new Reflector(), core);
  });

  interface Call {
    handler: () => void;
    target?: new () => unknown;
    method?: string;
    token?: string;
    body?: unknown;
    requestId?: string;
  }
  function invoke(call: Call) {
    const replyHeaders: Record<string, string> = {};
    const request = {
      method: call.method ?? 'POST',
      url: '/v1/thing?x=1',
      ip: '10.0.0.7',
      headers: {
        ...(call.token === undefined ? {} : { authorization: `Bearer ${call.token}` }),
        ...(call.requestId === undefined ? {} : { 'x-request-id': call.requestId }),
      },
      body: call.body,
    } as OperatorRequest;
    const context = {
      getHandler: () => call.handler,
      getClass: () => call.target ?? RoutesController,
      switchToHttp: () => ({
        getRequest: () => request,
        getResponse: () => ({ header: (name: string, value: string) => void (replyHeaders[name] = value) }),
      }),
    } as unknown as ExecutionContext;
    return { request, replyHeaders, result: guard.canActivate(context) };
  }
  async function refusal(call: Call): Promise<ProblemException> {
    const error = await invoke(call).result.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (error instanceof ProblemException) return error;
    throw new Error(`expected a problem, got ${String(error)}`);
  }
  const routes = RoutesController.prototype;

  it('lets @Public() routes through and gives every request an id', async () => {
    const { result, replyHeaders, request } = invoke({ handler: PublicController.prototype.open, target: PublicController });
    expect(await result).toBe(true);
    expect(replyHeaders['X-Request-Id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(request.requestId).toBe(replyHeaders['X-Request-Id']);
  });

  it('keeps a safe incoming X-Request-Id and replaces an unsafe one', async () => {
    expect(invoke({ handler: routes.read, method: 'GET', token: 'viewer-token', requestId: 'abc-123' }).replyHeaders['X-Request-Id']).toBe('abc-123');
    const unsafe = invoke({ handler: routes.read, method: 'GET', token: 'viewer-token', requestId: 'a b\r\nx' });
    expect(unsafe.replyHeaders['X-Request-Id']).not.toContain(' ');
    expect(invoke({ handler: routes.read, method: 'GET', token: 'viewer-token', requestId: 'x'.repeat(129) }).replyHeaders['X-Request-Id']).toHaveLength(36);
  });

  it('refuses a missing or invalid token with 401 and a Bearer challenge, audited as denied', async () => {
    for (const token of [undefined, 'forged']) {
      const error = await refusal({ handler: routes.read, method: 'GET', ...(token === undefined ? {} : { token }) });
      expect(error.code).toBe('UNAUTHORIZED');
      expect(error.extra.headers?.['WWW-Authenticate']).toMatch(/^Bearer realm="revmesh-operator"/);
    }
    expect(audited).toHaveLength(2);
    expect(audited[1]).toMatchObject({
      action: 'access.denied',
      outcome: 'denied',
      target: 'GET /v1/thing',
      context: { actor: { kind: 'operator', id: '(unauthenticated)' }, sourceAddress: '10.0.0.7' },
      details: { code: 'UNAUTHORIZED', reason: 'bad signature' },
    });
  });

  it('defaults reads to viewer and writes to security-admin; @RequireRole lowers it', async () => {
    const { result, request } = invoke({ handler: routes.read, method: 'GET', token: 'viewer-token', requestId: 'r1' });
    expect(await result).toBe(true);
    expect(request.revmesh).toEqual({
      principal: principal('viewer'),
      audit: { actor: { kind: 'operator', id: 'the-viewer' }, role: 'viewer', justification: null, requestId: 'r1', sourceAddress: '10.0.0.7' },
    });
    const forbidden = await refusal({ handler: routes.adminWrite, token: 'responder-token', body: { justification: JUSTIFICATION } });
    expect(forbidden.code).toBe('FORBIDDEN');
    expect(audited.at(-1)).toMatchObject({ context: { actor: { id: 'the-responder' }, role: 'responder' }, details: { code: 'FORBIDDEN' } });
    expect((await refusal({ handler: routes.responderWrite, token: 'viewer-token', body: { justification: JUSTIFICATION } })).code).toBe('FORBIDDEN');
    expect(await invoke({ handler: routes.responderWrite, token: 'responder-token', body: { justification: JUSTIFICATION } }).result).toBe(true);
    expect(await invoke({ handler: routes.responderWrite, token: 'admin-token', body: { justification: JUSTIFICATION } }).result).toBe(true);
  });

  it('needs a second factor younger than the step-up window for writes (RFC 9470 challenge)', async () => {
    const error = await refusal({ handler: routes.adminWrite, token: 'stale-admin-token', body: { justification: JUSTIFICATION } });
    expect(error.code).toBe('STEP_UP_REQUIRED');
    expect(error.extra.headers?.['WWW-Authenticate']).toContain('error="insufficient_user_authentication", max_age=600');
    // Reads do not.
    expect(await invoke({ handler: routes.read, method: 'GET', token: 'stale-admin-token' }).result).toBe(true);
  });

  it.each([
    ['no body', undefined],
    ['no justification', { reason: 'r' }],
    ['a non-string justification', { justification: 42 }],
    ['a justification too short once trimmed', { justification: '   short   ' }],
    ['a justification too long', { justification: 'x'.repeat(1001) }],
    ['an array body', [JUSTIFICATION]],
  ])('refuses a write with %s: 400 JUSTIFICATION_REQUIRED', async (_label, body) => {
    expect((await refusal({ handler: routes.adminWrite, token: 'admin-token', body })).code).toBe('JUSTIFICATION_REQUIRED');
  });

  it('moves the justification from the body into the audit context', async () => {
    const body = { reason: 'r', justification: `  ${JUSTIFICATION}  ` };
    const { result, request } = invoke({ handler: routes.adminWrite, token: 'admin-token', body });
    expect(await result).toBe(true);
    expect(body).toEqual({ reason: 'r' });
    expect(request.revmesh?.audit.justification).toBe(JUSTIFICATION);
  });

  it('asks session routes (step-up, logout) for neither a fresh factor nor a justification', async () => {
    expect(await invoke({ handler: routes.session, token: 'stale-admin-token', body: { totp: '123456' } }).result).toBe(true);
    expect(await invoke({ handler: routes.session, token: 'viewer-token' }).result).toBe(true);
  });
});
